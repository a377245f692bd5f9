"""Autoscaling of one instance variant: target tracking, schedules, and scale-from-zero for async endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import (
    Duration,
    Stack,
    TimeZone,
    aws_applicationautoscaling as appscaling,
    aws_cloudwatch as cloudwatch,
    aws_cloudwatch_actions as cw_actions,
    aws_iam as iam,
)
from constructs import Construct

from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.naming import name_in_stack
from sagemaker_serving_cdk.rules.scaling import instance_scaling_problems

if TYPE_CHECKING:
    from sagemaker_serving_cdk.endpoint import EndpointVariant

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# The service-linked role Application Auto Scaling creates for SageMaker on first use. Without it the CDK
# would create a role per variant that carries no permissions.
SERVICE_LINKED_ROLE = (
    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)


class ScalableInstanceCount(Construct):
    """Application Auto Scaling of one variant's instance count (scalable target id `Resource`).

    Create it with `endpoint.find_variant(name).auto_scale_instance_count(...)`, then add policies. Real-time
    variants track SageMakerVariantInvocationsPerInstance (`scale_on_invocations`). Async endpoints publish no
    invocation metrics: they track ApproximateBacklogSizePerInstance (`scale_on_backlog`), may scale to zero
    (`min_capacity=0`), and `scale_from_zero_on_backlog` adds the first instance when requests wait with none
    running.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, variant: EndpointVariant, min_capacity: int, max_capacity: int
    ) -> None:
        super().__init__(scope, construct_id)
        self.variant = variant
        endpoint = variant.endpoint
        self.is_async = endpoint.is_async
        self._check(variant, min_capacity, max_capacity)
        self.target = appscaling.ScalableTarget(
            self,
            "Resource",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{endpoint.endpoint_name}/variant/{variant.variant_name}",
            scalable_dimension=SCALABLE_DIMENSION,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            role=iam.Role.from_role_arn(
                self,
                "ServiceLinkedRole",
                Stack.of(self).format_arn(service="iam", region="", resource="role", resource_name=SERVICE_LINKED_ROLE),
                mutable=False,
            ),
        )
        # The name is literal, so nothing else orders them: Application Auto Scaling rejects a target whose
        # endpoint does not exist yet.
        self.target.node.add_dependency(endpoint.endpoint)

    def _check(self, variant: EndpointVariant, min_capacity: int, max_capacity: int) -> None:
        instance = variant.instance_variant
        if instance is None:
            raise PropsError(
                self,
                f"variant {variant.variant_name!r} is serverless; serverless endpoints scale by "
                "max_concurrency, not by instance count",
            )
        # The one copy of these rules, shared with the app's config validation.
        problems = [
            str(problem)
            for problem in instance_scaling_problems(
                instance_type=instance.instance_type,
                initial_count=instance.initial_instance_count,
                min_capacity=min_capacity,
                max_capacity=max_capacity,
                is_async=self.is_async,
                uses_invocation_target=False,
                backlog_target=None,
            )
        ]
        if problems:
            raise PropsError(self, problems)

    def scale_on_invocations(
        self,
        target_per_instance: float,
        *,
        scale_in_cooldown: Duration = Duration.minutes(5),
        scale_out_cooldown: Duration = Duration.minutes(1),
        disable_scale_in: bool = False,
    ) -> appscaling.TargetTrackingScalingPolicy:
        """Track invocations per instance per minute (policy id `InvocationsTracking`). Not for async endpoints.

        :param scale_in_cooldown: default 5 minutes. :param scale_out_cooldown: default 1 minute.
        :param disable_scale_in: default False.
        """
        if self.is_async:
            raise PropsError(
                self,
                "async variants scale on backlog (scale_on_backlog), not on invocations per "
                f"instance (got target {target_per_instance})",
            )
        return self.target.scale_to_track_metric(
            "InvocationsTracking",
            policy_name=name_in_stack(self, "InvocationsTracking"),
            target_value=target_per_instance,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            disable_scale_in=disable_scale_in,
        )

    def scale_on_backlog(
        self,
        target_per_instance: float,
        *,
        scale_in_cooldown: Duration = Duration.minutes(5),
        scale_out_cooldown: Duration = Duration.minutes(1),
        disable_scale_in: bool = False,
    ) -> appscaling.TargetTrackingScalingPolicy:
        """Async endpoints: track ApproximateBacklogSizePerInstance (policy id `BacklogTracking`).

        :param scale_in_cooldown: default 5 minutes. :param scale_out_cooldown: default 1 minute.
        :param disable_scale_in: default False.
        """
        if not self.is_async:
            raise PropsError(self, f"backlog targets (got {target_per_instance}) are for async endpoints only")
        return self.target.scale_to_track_metric(
            "BacklogTracking",
            policy_name=name_in_stack(self, "BacklogTracking"),
            target_value=target_per_instance,
            custom_metric=self.variant.endpoint.metric_backlog_size_per_instance(),
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            disable_scale_in=disable_scale_in,
        )

    def scale_from_zero_on_backlog(self, *, cooldown: Duration = Duration.minutes(1)) -> cloudwatch.Alarm:
        """Async endpoints: a step policy adds one instance while requests wait with none running.

        :param cooldown: default 1 minute.
        """
        if not self.is_async:
            raise PropsError(self, "scale-from-zero on backlog is for async endpoints only")
        step = appscaling.StepScalingAction(
            self,
            "ScaleOutFromZero",
            policy_name=name_in_stack(self, "ScaleOutFromZero"),
            scaling_target=self.target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=cooldown,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
        )
        step.add_adjustment(adjustment=1, lower_bound=0)
        alarm = cloudwatch.Alarm(
            self,
            "BacklogWithoutCapacityAlarm",
            metric=self.variant.endpoint.metric_has_backlog_without_capacity(),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            # The metric is only published while the endpoint has a backlog; silence means nothing waits.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="Requests wait with no instance running: add one (scale up from zero)",
        )
        alarm.add_alarm_action(cw_actions.ApplicationScalingAction(step))
        self.scale_from_zero_alarm = alarm
        return alarm

    def scale_on_schedule(
        self,
        construct_id: str,
        *,
        schedule: appscaling.Schedule,
        time_zone: TimeZone | None = None,
        min_capacity: int | None = None,
        max_capacity: int | None = None,
    ) -> None:
        """Set the capacity bounds on a schedule.

        :param time_zone: default: UTC. :param min_capacity, max_capacity: default: unchanged.
        """
        self.target.scale_on_schedule(
            construct_id, schedule=schedule, time_zone=time_zone, min_capacity=min_capacity, max_capacity=max_capacity
        )
