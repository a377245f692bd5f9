"""Autoscaling of one instance variant: target tracking, schedules, and scale-from-zero for async endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import (
    Duration,
    Stack,
    TimeZone,
    aws_applicationautoscaling as appscaling,
    aws_cloudwatch as cloudwatch,
    aws_cloudwatch_actions as cw_actions,
    aws_iam as iam,
)
from constructs import Construct, IConstruct

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


def scalable_target(
    scope: Construct,
    *,
    resource_id: str,
    dimension: str,
    min_capacity: int,
    max_capacity: int,
    scaled: IConstruct,
) -> appscaling.ScalableTarget:
    """A SageMaker scalable target (id `Resource`) with the service-linked role, created after `scaled`."""
    arn = Stack.of(scope).format_arn(service="iam", region="", resource="role", resource_name=SERVICE_LINKED_ROLE)
    target = appscaling.ScalableTarget(
        scope,
        "Resource",
        service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
        resource_id=resource_id,
        scalable_dimension=dimension,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        role=iam.Role.from_role_arn(scope, "ServiceLinkedRole", arn, mutable=False),
    )
    # The resource id names it literally, so nothing else orders them: Application Auto Scaling rejects a
    # target whose endpoint or component does not exist yet.
    target.node.add_dependency(scaled)
    return target


def track(
    scope: Construct,
    target: appscaling.ScalableTarget,
    policy_id: str,
    target_value: float,
    *,
    scale_in_cooldown: Duration,
    scale_out_cooldown: Duration,
    disable_scale_in: bool,
    predefined_metric: appscaling.PredefinedMetric | None = None,
    custom_metric: cloudwatch.IMetric | None = None,
) -> appscaling.TargetTrackingScalingPolicy:
    """A target-tracking policy named after its place in the stack."""
    return target.scale_to_track_metric(
        policy_id,
        policy_name=name_in_stack(scope, policy_id),
        target_value=target_value,
        predefined_metric=predefined_metric,
        custom_metric=custom_metric,
        scale_in_cooldown=scale_in_cooldown,
        scale_out_cooldown=scale_out_cooldown,
        disable_scale_in=disable_scale_in,
    )


def scale_out_from_zero(
    scope: Construct,
    target: appscaling.ScalableTarget,
    *,
    cooldown: Duration,
    alarm_id: str,
    alarm_props: dict[str, Any],
) -> cloudwatch.Alarm:
    """A step policy (`ScaleOutFromZero`) adding one unit of capacity while the alarm is in ALARM."""
    step = appscaling.StepScalingAction(
        scope,
        "ScaleOutFromZero",
        policy_name=name_in_stack(scope, "ScaleOutFromZero"),
        scaling_target=target,
        adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        cooldown=cooldown,
        metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
    )
    step.add_adjustment(adjustment=1, lower_bound=0)
    alarm = cloudwatch.Alarm(
        scope,
        alarm_id,
        threshold=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        **alarm_props,
    )
    alarm.add_alarm_action(cw_actions.ApplicationScalingAction(step))
    return alarm


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
        self.target = scalable_target(
            self,
            resource_id=f"endpoint/{endpoint.endpoint_name}/variant/{variant.variant_name}",
            dimension=SCALABLE_DIMENSION,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scaled=endpoint.endpoint,
        )

    def _check(self, variant: EndpointVariant, min_capacity: int, max_capacity: int) -> None:
        instance = variant.instance_variant
        if getattr(variant.endpoint.endpoint_config, "component_host", None) is not None:
            raise PropsError(
                self,
                f"variant {variant.variant_name!r} hosts inference components; managed instance scaling sizes it "
                "(ComponentHostVariant.managed_scaling), and components scale by copies (auto_scale_copy_count)",
            )
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
        return track(
            self,
            self.target,
            "InvocationsTracking",
            target_per_instance,
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
        return track(
            self,
            self.target,
            "BacklogTracking",
            target_per_instance,
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
        alarm = scale_out_from_zero(
            self,
            self.target,
            cooldown=cooldown,
            alarm_id="BacklogWithoutCapacityAlarm",
            alarm_props={
                "metric": self.variant.endpoint.metric_has_backlog_without_capacity(),
                "evaluation_periods": 2,
                "datapoints_to_alarm": 2,
                # The metric is only published while the endpoint has a backlog; silence means nothing waits.
                "treat_missing_data": cloudwatch.TreatMissingData.NOT_BREACHING,
                "alarm_description": "Requests wait with no instance running: add one (scale up from zero)",
            },
        )
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
