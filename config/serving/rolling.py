"""Rolling updates: replace capacity batch by batch instead of standing up a second fleet (blue/green), for an
instance endpoint (RollingUpdatePolicy, batches of instances) and for an inference component
(InferenceComponentRollingUpdatePolicy, batches of copies)."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from config.base import Section
from config.serving.names import Seconds3600

# Both policies' MaximumBatchSize "must be between 5% to 50%" of the variant's instances or the component's copies
# (API reference: RollingUpdatePolicy, InferenceComponentRollingUpdatePolicy).
MIN_BATCH_PERCENT, MAX_BATCH_PERCENT = 5, 50


class _RollingUpdate(Section):
    batch_size_type: str
    batch_size: Annotated[int, Field(ge=1)]
    """Instances (or copies) per step, or a percentage of them (5-50)."""
    wait_interval_seconds: Seconds3600 = 300
    """Baking time after each batch, while SageMaker watches the rollback alarms."""
    maximum_execution_timeout_seconds: Optional[Annotated[int, Field(ge=600, le=28800)]] = None
    """Default: SageMaker's."""
    rollback_batch_size: Optional[Annotated[int, Field(ge=1)]] = None
    """Batch size of a rollback, in batch_size_type's unit. Default: SageMaker's, everything at once."""

    @model_validator(mode="after")
    def _percent_in_range(self) -> "_RollingUpdate":
        if self.batch_size_type == "CAPACITY_PERCENT":
            if not MIN_BATCH_PERCENT <= self.batch_size <= MAX_BATCH_PERCENT:
                raise ValueError(f"batch_size {self.batch_size} is a percentage of the capacity here; SageMaker allows "
                                 f"{MIN_BATCH_PERCENT}-{MAX_BATCH_PERCENT}")
            if self.rollback_batch_size is not None and self.rollback_batch_size > 100:
                raise ValueError(f"rollback_batch_size {self.rollback_batch_size} is a percentage here; use 1-100")
        return self


class InstanceRollingUpdate(_RollingUpdate):
    """An endpoint's rolling update: batches of instances."""

    batch_size_type: Literal["INSTANCE_COUNT", "CAPACITY_PERCENT"] = "INSTANCE_COUNT"


class ComponentRollingUpdate(_RollingUpdate):
    """An inference component's rolling update: batches of copies."""

    batch_size_type: Literal["COPY_COUNT", "CAPACITY_PERCENT"] = "COPY_COUNT"


class ComponentDeploymentSettings(Section):
    """How an inference component's updates roll out: copy batches, rolled back on its endpoint's alarms."""

    rolling: ComponentRollingUpdate
    auto_rollback: bool = True
    """True: the endpoint's 5XX and latency alarms roll the update back."""
