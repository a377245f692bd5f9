"""Autoscaling of one inference component's copy count, down to zero copies and back.

Docs: https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import (
    Duration,
    aws_applicationautoscaling as appscaling,
    aws_cloudwatch as cloudwatch,
)
from constructs import Construct

from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.rules.component_spec import copy_scaling_problems, scale_from_zero_problems
from sagemaker_serving_cdk.scaling import scalable_target, scale_out_from_zero, track

if TYPE_CHECKING:
    from sagemaker_serving_cdk.inference_component import InferenceComponent

SCALABLE_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"


class ScalableCopyCount(Construct):
    """Application Auto Scaling of an inference component's copy count (scalable target id `Resource`).

    Create it with `component.auto_scale_copy_count(...)`, then add a target-tracking policy
    (`scale_on_invocations_per_copy` or `scale_on_concurrent_requests_per_copy`) and, with `min_capacity=0`,
    `scale_from_zero()`: target tracking cannot leave zero copies (no copy, no per-copy metric), so a step
    policy adds the first copy when requests fail for lack of one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        component: InferenceComponent,
        min_capacity: int,
        max_capacity: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.component = component
        self.min_capacity = min_capacity
        problems = copy_scaling_problems(
            min_capacity=min_capacity, max_capacity=max_capacity, copy_count=component.copy_count
        )
        if problems:
            raise PropsError(self, [str(p) for p in problems])
        self.target = scalable_target(
            self,
            resource_id=f"inference-component/{component.component_name}",
            dimension=SCALABLE_DIMENSION,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scaled=component.resource,
        )

    def scale_on_invocations_per_copy(
        self,
        target_per_copy: float,
        *,
        scale_in_cooldown: Duration = Duration.minutes(5),
        scale_out_cooldown: Duration = Duration.minutes(1),
        disable_scale_in: bool = False,
    ) -> appscaling.TargetTrackingScalingPolicy:
        """Track invocations per copy per minute (policy id `InvocationsPerCopyTracking`).

        :param scale_in_cooldown: default 5 minutes. :param scale_out_cooldown: default 1 minute.
        :param disable_scale_in: default False.
        """
        return self._track(
            "InvocationsPerCopyTracking",
            appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY,
            target_per_copy,
            scale_in_cooldown,
            scale_out_cooldown,
            disable_scale_in,
        )

    def scale_on_concurrent_requests_per_copy(
        self,
        target_per_copy: float,
        *,
        scale_in_cooldown: Duration = Duration.minutes(5),
        scale_out_cooldown: Duration = Duration.minutes(1),
        disable_scale_in: bool = False,
    ) -> appscaling.TargetTrackingScalingPolicy:
        """Track concurrent requests per copy, a high-resolution metric (reacts in seconds, not minutes);
        policy id `ConcurrentRequestsPerCopyTracking`.

        :param scale_in_cooldown: default 5 minutes. :param scale_out_cooldown: default 1 minute.
        :param disable_scale_in: default False.
        """
        return self._track(
            "ConcurrentRequestsPerCopyTracking",
            appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
            target_per_copy,
            scale_in_cooldown,
            scale_out_cooldown,
            disable_scale_in,
        )

    def scale_from_zero(self, *, cooldown: Duration = Duration.minutes(1)) -> cloudwatch.Alarm:
        """Add one copy when a request finds none (step policy `ScaleOutFromZero`, alarm `NoCapacityAlarm`).

        Needs `min_capacity=0`. The first request after an idle spell fails (NoCapacityInvocationFailures),
        then waits for a copy, and an instance if the host scaled to zero, before requests succeed.

        :param cooldown: default 1 minute.
        """
        problems = scale_from_zero_problems(self.min_capacity)
        if problems:
            raise PropsError(self, [str(p) for p in problems])
        alarm = scale_out_from_zero(
            self,
            self.target,
            cooldown=cooldown,
            alarm_id="NoCapacityAlarm",
            alarm_props={
                "metric": self.component.metric_no_capacity_invocation_failures(),
                # The SageMaker guide's example uses GreaterThanThreshold with threshold 1, which needs two
                # refused requests in a minute; GreaterThanOrEqualTo wakes the component on the first one.
                "evaluation_periods": 1,
                "datapoints_to_alarm": 1,
                # The metric exists only while requests are refused; silence means nothing is waiting.
                "treat_missing_data": cloudwatch.TreatMissingData.NOT_BREACHING,
                "alarm_description": (
                    f"Requests to {self.component.component_name} found no copy running: add one (scale from zero)"
                ),
            },
        )
        self.scale_from_zero_alarm = alarm
        return alarm

    def _track(
        self,
        policy_id: str,
        metric: appscaling.PredefinedMetric,
        target: float,
        scale_in_cooldown: Duration,
        scale_out_cooldown: Duration,
        disable_scale_in: bool,
    ) -> appscaling.TargetTrackingScalingPolicy:
        return track(
            self,
            self.target,
            policy_id,
            target,
            predefined_metric=metric,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            disable_scale_in=disable_scale_in,
        )


__all__ = ["ScalableCopyCount"]
