"""Autoscaling of an instance variant; the rules are the library's (sagemaker_serving_cdk.rules.scaling)."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, StringConstraints, model_validator

from config.base import Section, TimeZoneName, raise_problems
from sagemaker_serving_cdk.rules.scaling import capacity_bounds_problems, scheduled_scaling_problems


class ScheduledScalingSettings(Section):
    """A scheduled capacity change, e.g. a higher floor during business hours."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9]{0,63}$")]
    schedule: str
    """An Application Auto Scaling schedule: `cron(...)` with 6 fields, e.g. `cron(0 8 ? * MON-FRI *)`,
    `rate(...)` or `at(...)`."""
    timezone: TimeZoneName = "UTC"
    """IANA time zone the schedule is evaluated in, e.g. Europe/Berlin."""
    min_capacity: Optional[Annotated[int, Field(ge=0)]] = None
    max_capacity: Optional[Annotated[int, Field(ge=1)]] = None

    @model_validator(mode="after")
    def _bounds(self) -> "ScheduledScalingSettings":
        raise_problems(scheduled_scaling_problems(schedule=self.schedule, min_capacity=self.min_capacity,
                                                  max_capacity=self.max_capacity), prefix=f"schedule {self.name!r}: ")
        return self


class AutoscalingSettings(Section):
    """Autoscaling of one instance variant.

    Real-time variants track SageMakerVariantInvocationsPerInstance: give the target directly, or the
    requests per second one instance sustains (load test) and a safety factor. Async variants track
    ApproximateBacklogSizePerInstance and scale up from zero on HasBacklogWithoutCapacity.
    """

    min_capacity: Annotated[int, Field(ge=0)] = 1
    """0 only for async variants (real-time variants cannot scale to zero)."""
    max_capacity: Annotated[int, Field(ge=1)] = 2
    target_invocations_per_instance: Optional[Annotated[float, Field(gt=0)]] = None
    """Invocations per instance per minute. Default: derived from max_requests_per_second."""
    max_requests_per_second: Optional[Annotated[float, Field(gt=0)]] = None
    """What one instance sustains; target = max_requests_per_second * 60 * safety_factor."""
    safety_factor: Annotated[float, Field(gt=0, le=1)] = 0.5
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    disable_scale_in: bool = False
    """True: the policy only adds instances (scale in by hand or by schedule)."""
    schedules: tuple[ScheduledScalingSettings, ...] = ()
    backlog_target_per_instance: Optional[Annotated[float, Field(gt=0)]] = None
    """Async only: queued requests per instance to aim for. Default for async variants: 5."""

    @model_validator(mode="after")
    def _consistent(self) -> "AutoscalingSettings":
        # Bounds against the variant and the endpoint kind: EndpointSettings._scaling_problems (rules.scaling).
        raise_problems(capacity_bounds_problems(self.min_capacity, self.max_capacity))
        if self.target_invocations_per_instance is not None and self.max_requests_per_second is not None:
            raise ValueError(
                f"set target_invocations_per_instance ({self.target_invocations_per_instance}) or "
                f"max_requests_per_second ({self.max_requests_per_second}), not both"
            )
        return self

    @property
    def uses_invocation_target(self) -> bool:
        return self.target_invocations_per_instance is not None or self.max_requests_per_second is not None

    def invocations_target(self) -> float:
        """The InvocationsPerInstance target (per minute). Default: 70 per minute when nothing was given."""
        if self.target_invocations_per_instance is not None:
            return self.target_invocations_per_instance
        if self.max_requests_per_second is not None:
            return round(self.max_requests_per_second * 60 * self.safety_factor, 2)
        return 70.0

    def backlog_target(self) -> float:
        return self.backlog_target_per_instance if self.backlog_target_per_instance is not None else 5.0
