"""Production variants: on instances, or the one variant of a serverless endpoint."""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import Field, field_validator, model_validator

from config.base import Section, raise_problems
from config.serving.names import (
    LocalName, RealTimeInstanceType, SERVERLESS_MEMORY_SIZES_MB, StartupTimeoutSeconds, VariantName,
)
from config.serving.scaling import AutoscalingSettings
from config.serving.variant_options import VariantOptions
from sagemaker_serving_cdk.rules.instances import volume_key_problems
from sagemaker_serving_cdk.rules.variants import serverless_problems


class InstanceVariantSettings(VariantOptions):
    """A production (or shadow) variant on dedicated instances."""

    name: VariantName
    model: LocalName
    """A key of the serving config's `models`."""
    instance_type: RealTimeInstanceType = "ml.m5.large"
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = 1
    weight: Annotated[float, Field(gt=0)] = 1.0
    """Relative share of traffic among the endpoint's variants."""
    volume_size_gb: Optional[Annotated[int, Field(ge=1, le=512)]] = None
    """ML storage volume size. Default: SageMaker's default for the instance type."""
    container_startup_health_check_timeout_seconds: Optional[StartupTimeoutSeconds] = None
    model_data_download_timeout_seconds: Optional[StartupTimeoutSeconds] = None
    autoscaling: Optional[AutoscalingSettings] = None
    """Default: no autoscaling; the variant keeps initial_instance_count."""

    @model_validator(mode="after")
    def _volume_only_on_ebs(self) -> "InstanceVariantSettings":
        if self.volume_size_gb is not None:
            raise_problems(volume_key_problems(self.instance_type, field="volume_size_gb", value=self.volume_size_gb,
                                               fix="no volume_size_gb, or an EBS-backed type (e.g. ml.m5.xlarge)"),
                           prefix=f"variant {self.name!r}: ")
        return self


class ServerlessVariantSettings(Section):
    """The single variant of a serverless endpoint: no instances, billed per request, scales to zero."""

    name: VariantName = "AllTraffic"
    model: LocalName
    autoscaling: Optional[dict[str, Any]] = None
    """Not supported: accepted only to say why (serverless endpoints scale by max_concurrency)."""
    memory_size_mb: int = 2048
    """1024 to 6144, in steps of 1024."""
    max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5
    provisioned_concurrency: Optional[Annotated[int, Field(ge=1, le=200)]] = None
    """Warm capacity that avoids cold starts (billed while provisioned). Default: none."""

    @field_validator("memory_size_mb")
    @classmethod
    def _memory_step(cls, value: int) -> int:
        if value not in SERVERLESS_MEMORY_SIZES_MB:
            raise ValueError(f"memory_size_mb must be one of {SERVERLESS_MEMORY_SIZES_MB}")
        return value

    @model_validator(mode="after")
    def _provisioned_within_max(self) -> "ServerlessVariantSettings":
        raise_problems(serverless_problems(autoscaling=self.autoscaling is not None), prefix=f"variant {self.name!r}: ")
        if self.provisioned_concurrency is not None and self.provisioned_concurrency > self.max_concurrency:
            raise ValueError(
                f"provisioned_concurrency ({self.provisioned_concurrency}) must be <= max_concurrency ({self.max_concurrency})"
            )
        return self
