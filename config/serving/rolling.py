"""Rolling updates: replace capacity batch by batch instead of standing up a second fleet (blue/green), for an
instance endpoint (RollingUpdatePolicy, batches of instances) and for an inference component
(InferenceComponentRollingUpdatePolicy, batches of copies). Their limits are the library's
(rules.deployment.rolling_update_problems), reported under this section's field names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Optional

from pydantic import model_validator

from config.base import Section, raise_problems, renamed
from config.serving.names import DeploymentTimeoutSeconds, WaitSeconds
from sagemaker_serving_cdk.rules.deployment import Target, rolling_update_problems
from sagemaker_serving_cdk.rules.problems import Problem

# The rule's names (the construct's props) -> this section's; a rollback batch is counted in batch_size_type.
_FIELDS = {
    "maximum_batch_size.type": "batch_size_type", "maximum_batch_size.value": "batch_size",
    "rollback_maximum_batch_size.type": "batch_size_type", "rollback_maximum_batch_size.value": "rollback_batch_size",
    "wait_interval": "wait_interval_seconds", "maximum_execution_timeout": "maximum_execution_timeout_seconds",
}


class _RollingUpdate(Section):
    target: ClassVar[Target]

    batch_size_type: str
    batch_size: int
    """Instances (or copies) per step, or a percentage of them (5-50)."""
    wait_interval_seconds: WaitSeconds = 300
    """Baking time after each batch, while SageMaker watches the rollback alarms."""
    maximum_execution_timeout_seconds: Optional[DeploymentTimeoutSeconds] = None
    """Default: SageMaker's."""
    rollback_batch_size: Optional[int] = None
    """Batch size of a rollback, in batch_size_type's unit. Default: SageMaker's, everything at once."""

    @model_validator(mode="after")
    def _sizes(self) -> "_RollingUpdate":
        raise_problems(self.problems())
        return self

    def problems(self, *, serverless: bool = False, variant_names: Sequence[str] = ()) -> list[Problem]:
        """The library's rule on this update, of an endpoint that is serverless or has `variant_names`."""
        rollback = self.rollback_batch_size
        return renamed(rolling_update_problems(
            batch_type=self.batch_size_type, batch_value=self.batch_size, wait_seconds=self.wait_interval_seconds,
            maximum_execution_timeout_seconds=self.maximum_execution_timeout_seconds,
            rollback_type=None if rollback is None else self.batch_size_type, rollback_value=rollback,
            target=self.target, serverless=serverless, variant_names=variant_names, field=""), _FIELDS)


class InstanceRollingUpdate(_RollingUpdate):
    """An endpoint's rolling update: batches of instances (INSTANCE_COUNT) or a percentage (CAPACITY_PERCENT)."""

    target: ClassVar[Target] = "endpoint"
    batch_size_type: str = "INSTANCE_COUNT"


class ComponentRollingUpdate(_RollingUpdate):
    """An inference component's rolling update: batches of copies (COPY_COUNT) or a percentage (CAPACITY_PERCENT)."""

    target: ClassVar[Target] = "component"
    batch_size_type: str = "COPY_COUNT"


class ComponentDeploymentSettings(Section):
    """How an inference component's updates roll out: copy batches, rolled back on its endpoint's alarms."""

    rolling: ComponentRollingUpdate
    auto_rollback: bool = True
    """True: the endpoint's 5XX and latency alarms roll the update back."""
