"""Settings of the Data stack: how long data lives in the buckets."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, model_validator

from config.base import Section

Days = Annotated[int, Field(ge=1, le=3650)]


class DataConfig(Section):
    """Lifecycle of the input, output, model and access-log buckets."""

    output_expiration_days: Optional[Days] = None
    """Batch output and data capture are deleted this many days after they land. None keeps them."""

    output_transition_to_ia_days: Optional[Annotated[int, Field(ge=30, le=3650)]] = None
    """Move output to Standard-IA after this many days (S3 requires at least 30). None: never."""

    noncurrent_version_expiration_days: Days = 30
    """Old object versions in every bucket are deleted after this many days."""

    abort_incomplete_upload_days: Days = 7
    """Parts of multipart uploads that never completed are deleted after this many days."""

    access_log_expiration_days: Days = 365
    """Server access logs are deleted after this many days."""

    @model_validator(mode="after")
    def _transition_before_expiration(self) -> "DataConfig":
        if (
            self.output_expiration_days is not None
            and self.output_transition_to_ia_days is not None
            and self.output_transition_to_ia_days >= self.output_expiration_days
        ):
            raise ValueError(
                f"output_transition_to_ia_days ({self.output_transition_to_ia_days}) must be less than "
                f"output_expiration_days ({self.output_expiration_days}); drop the transition or expire later"
            )
        return self
