"""Autoscaling of one instance variant: target tracking, schedules, and scale-from-zero for async variants."""

from __future__ import annotations

from aws_cdk import Duration, Stack, TimeZone, aws_applicationautoscaling as appscaling, aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_cloudwatch_actions as cw_actions
from constructs import Construct

from config.serving import AutoscalingSettings, InstanceVariantSettings
from ml_constructs.endpoint import InferenceEndpoint
from ml_constructs.instance_types import is_burstable
from ml_constructs.naming import name_in_stack

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# The service-linked role Application Auto Scaling creates for SageMaker on first use. Without it the CDK
# would create a role per variant that carries no permissions.
SERVICE_LINKED_ROLE = (
    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)


class VariantAutoscaling(Construct):
    """Application Auto Scaling for one variant of an endpoint (scalable target id `Resource`).

    Real-time variants track SageMakerVariantInvocationsPerInstance. Async variants (`is_async`) publish no
    invocation metrics (guide 6.8): they track ApproximateBacklogSizePerInstance, may scale to zero, and a
    step policy on HasBacklogWithoutCapacity adds the first instance when requests wait with none running.

    :param endpoint: the endpoint whose variant scales.
    :param variant: the variant's settings (its `autoscaling` must be set).
    :param is_async: whether the endpoint is an async endpoint. Default: False.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: InferenceEndpoint,
        variant: InstanceVariantSettings,
        is_async: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        settings = variant.autoscaling
        self._validate(variant, settings, is_async)
        self.target = appscaling.ScalableTarget(
            self,
            "Resource",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{endpoint.endpoint_name}/variant/{variant.name}",
            scalable_dimension=SCALABLE_DIMENSION,
            min_capacity=settings.min_capacity,
            max_capacity=settings.max_capacity,
            role=iam.Role.from_role_arn(
                self, "ServiceLinkedRole",
                Stack.of(self).format_arn(service="iam", region="", resource="role", resource_name=SERVICE_LINKED_ROLE),
                mutable=False,
            ),
        )
        # The name is literal, so nothing else orders them: Application Auto Scaling rejects a target whose
        # endpoint does not exist yet.
        self.target.node.add_dependency(endpoint.endpoint)
        cooldowns = dict(
            scale_in_cooldown=Duration.seconds(settings.scale_in_cooldown_seconds),
            scale_out_cooldown=Duration.seconds(settings.scale_out_cooldown_seconds),
            disable_scale_in=settings.disable_scale_in,
        )
        if is_async:
            self.target.scale_to_track_metric(
                "BacklogTracking",
                policy_name=name_in_stack(self, "BacklogTracking"),
                target_value=settings.backlog_target(),
                custom_metric=cloudwatch.Metric(
                    namespace="AWS/SageMaker", metric_name="ApproximateBacklogSizePerInstance",
                    dimensions_map={"EndpointName": endpoint.endpoint_name}, statistic="Average",
                    period=Duration.minutes(1),
                ),
                **cooldowns,
            )
            self.scale_from_zero_alarm = self._scale_from_zero(endpoint, settings)
        else:
            self.target.scale_to_track_metric(
                "InvocationsTracking",
                policy_name=name_in_stack(self, "InvocationsTracking"),
                target_value=settings.invocations_target(),
                predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
                **cooldowns,
            )
        for schedule in settings.schedules:
            self.target.scale_on_schedule(
                schedule.name,
                # Application Auto Scaling takes the expression verbatim: cron(...), rate(...) or at(...).
                schedule=appscaling.Schedule.expression(schedule.schedule),
                time_zone=TimeZone.of(schedule.timezone),
                min_capacity=schedule.min_capacity,
                max_capacity=schedule.max_capacity,
            )

    def _scale_from_zero(self, endpoint: InferenceEndpoint, settings: AutoscalingSettings) -> cloudwatch.Alarm:
        step = appscaling.StepScalingAction(
            self,
            "ScaleOutFromZero",
            policy_name=name_in_stack(self, "ScaleOutFromZero"),
            scaling_target=self.target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=Duration.seconds(settings.scale_out_cooldown_seconds),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
        )
        step.add_adjustment(adjustment=1, lower_bound=0)
        alarm = cloudwatch.Alarm(
            self,
            "BacklogWithoutCapacityAlarm",
            metric=cloudwatch.Metric(
                namespace="AWS/SageMaker", metric_name="HasBacklogWithoutCapacity",
                dimensions_map={"EndpointName": endpoint.endpoint_name}, statistic="Average",
                period=Duration.minutes(1),
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            # The metric is only published while the endpoint has a backlog; silence means nothing waits.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="Requests wait with no instance running: add one (scale up from zero)",
        )
        alarm.add_alarm_action(cw_actions.ApplicationScalingAction(step))
        return alarm

    @staticmethod
    def _validate(variant: InstanceVariantSettings, settings: AutoscalingSettings, is_async: bool) -> None:
        if settings is None:
            raise ValueError(f"variant {variant.name!r} has no autoscaling settings")
        if is_burstable(variant.instance_type):
            raise ValueError(f"variant {variant.name!r}: autoscaling rejects burstable {variant.instance_type}")
        if not settings.min_capacity <= variant.initial_instance_count <= settings.max_capacity:
            raise ValueError(
                f"variant {variant.name!r}: need min_capacity ({settings.min_capacity}) <= initial_instance_count "
                f"({variant.initial_instance_count}) <= max_capacity ({settings.max_capacity})"
            )
        if is_async and settings.uses_invocation_target:
            raise ValueError(f"variant {variant.name!r}: async variants scale on backlog, not on invocations per instance")
        if not is_async and (settings.backlog_target_per_instance is not None or settings.min_capacity == 0):
            raise ValueError(
                f"variant {variant.name!r}: backlog targets and min_capacity 0 are for async variants only"
            )

