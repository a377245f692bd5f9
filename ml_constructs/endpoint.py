"""A SageMaker endpoint with deployment guardrails, its 5XX and latency alarms, invoke grants and metrics."""

from __future__ import annotations

from typing import Optional

from aws_cdk import ArnFormat, Duration, Stack, aws_cloudwatch as cloudwatch, aws_iam as iam, aws_sagemaker as sagemaker
from constructs import Construct

from config.serving import DeploymentSettings, EndpointAlarmSettings
from ml_constructs.endpoint_config import EndpointConfiguration
from ml_constructs.endpoint_naming import endpoint_name_problem
from ml_constructs.naming import name_in_stack

# Invocations, latency and error counts; instance utilization lives in the second namespace.
_NAMESPACE = "AWS/SageMaker"
_INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"


class InferenceEndpoint(Construct):
    """An `AWS::SageMaker::Endpoint` (id `Resource`) with a stable physical name.

    Clients call it by `endpoint_name`, which only changes (replacing the endpoint) when you rename it; a new
    endpoint config is an in-place update. Updates keep autoscaled instance counts (RetainAllVariantProperties).
    The construct defines the endpoint's 5XX and p99 ModelLatency alarms (`rollback_alarms`), which also roll
    back a guarded deployment; the monitoring stack reuses them instead of defining its own. The alarms name
    the endpoint literally, so the endpoint depends on them: CloudFormation creates them first, as SageMaker
    needs when it reads the rollback alarms.

    :param endpoint_name: the physical name, e.g. `mlinf-prod-realtime` (see `endpoint_naming.endpoint_name`); must
        satisfy SageMaker's endpoint name rule.
    :param endpoint_config: what the endpoint serves.
    :param alarm_action: where the alarms notify (e.g. the environment's AlarmTopic.action).
    :param deployment: blue/green guardrails. Default: SageMaker's plain blue/green update, no rollback alarms.
    :param alarms: thresholds of the 5XX and latency alarms. Default: EndpointAlarmSettings().
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        endpoint_config: EndpointConfiguration,
        alarm_action: cloudwatch.IAlarmAction,
        deployment: Optional[DeploymentSettings] = None,
        alarms: EndpointAlarmSettings = EndpointAlarmSettings(),
    ) -> None:
        super().__init__(scope, construct_id)
        problem = endpoint_name_problem(endpoint_name)
        if problem:
            raise ValueError(f"{self.node.path}: endpoint_name {problem}")
        if (deployment is not None and endpoint_config.is_serverless
                and deployment.traffic_routing != "ALL_AT_ONCE" and deployment.size_type == "INSTANCE_COUNT"):
            raise ValueError(
                f"{self.node.path}: a serverless endpoint has no instances; use size_type CAPACITY_PERCENT "
                f"for {deployment.traffic_routing} traffic routing"
            )
        self.endpoint_config = endpoint_config
        self.variant_names = endpoint_config.variant_names
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=endpoint_name,
            endpoint_config_name=endpoint_config.endpoint_config_name,
            # Without this an update resets every variant to its initial instance count, undoing autoscaling.
            retain_all_variant_properties=True,
        )
        # The literal name, not the resource's attribute: metrics, alarms and scaling targets that use it must
        # not depend on the endpoint (the endpoint depends on its rollback alarms).
        self.endpoint_name = endpoint_name
        # SageMaker lower-cases names in ARNs.
        self.endpoint_arn = Stack.of(self).format_arn(
            service="sagemaker", resource="endpoint", resource_name=endpoint_name.lower(),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME)

        self.errors_alarm = self._alarm(
            "Errors5xxAlarm",
            metric=self._over_variants("SUM", self.metric_invocation_5xx_errors, "Invocation 5XX errors (all variants)"),
            threshold=alarms.errors_5xx_per_minute,
            settings=alarms,
            description=f"SEV2: {alarms.errors_5xx_per_minute}+ 5XX responses a minute",
        )
        self.latency_alarm = self._alarm(
            "LatencyP99Alarm",
            metric=self._over_variants("MAX", lambda v: self.metric_model_latency(v, statistic="p99"),
                                       "ModelLatency p99 in microseconds (worst variant)"),
            threshold=alarms.latency_p99_ms * 1000,  # ModelLatency is reported in microseconds
            settings=alarms,
            description=f"SEV3: p99 model latency above {alarms.latency_p99_ms:g} ms",
        )
        self.rollback_alarms: tuple[cloudwatch.Alarm, ...] = (self.errors_alarm, self.latency_alarm)
        for alarm in self.rollback_alarms:
            alarm.add_alarm_action(alarm_action)
            self.endpoint.node.add_dependency(alarm)
        if deployment is not None:
            self.endpoint.deployment_config = self._deployment_config(deployment)
            if deployment.auto_rollback:
                # SageMaker reads the rollback alarms with the models' execution role during a guarded update.
                self.grant_describe_rollback_alarms(endpoint_config.role.role)

    # -------------------------------------------------------------------------------------- grants

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke the endpoint, synchronously or (for async endpoints) asynchronously."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
            resource_arns=[self.endpoint_arn],
        )

    def grant_describe_rollback_alarms(self, grantee: iam.IGrantable) -> iam.Grant:
        """cloudwatch:DescribeAlarms on this endpoint's rollback alarms only."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["cloudwatch:DescribeAlarms"], resource_arns=self.rollback_alarm_arns)

    @property
    def rollback_alarm_arns(self) -> list[str]:
        # Built from the fixed names (no reference): the role's policy need not wait for the alarms.
        stack = Stack.of(self)
        return [stack.format_arn(service="cloudwatch", resource="alarm", resource_name=self._alarm_name(a.node.id),
                                 arn_format=ArnFormat.COLON_RESOURCE_NAME) for a in self.rollback_alarms]

    # -------------------------------------------------------------------------------------- metrics

    def metric(self, metric_name: str, variant_name: Optional[str] = None, *, namespace: str = _NAMESPACE,
               statistic: str = "Sum", period: Duration = Duration.minutes(1), **props) -> cloudwatch.Metric:
        """A metric of one variant (EndpointName and VariantName dimensions).

        :param variant_name: default: the endpoint's only variant (name one when it has several).
        """
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric_name,
            dimensions_map={"EndpointName": self.endpoint_name, "VariantName": self._variant(variant_name)},
            statistic=statistic,
            period=period,
            **props,
        )

    def metric_invocations(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        return self.metric("Invocations", variant_name, **props)

    def metric_invocations_per_instance(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        return self.metric("InvocationsPerInstance", variant_name, **props)

    def metric_model_latency(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        """Microseconds; default statistic Average."""
        return self.metric("ModelLatency", variant_name, **{"statistic": "Average", **props})

    def metric_overhead_latency(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        """Microseconds; default statistic Average."""
        return self.metric("OverheadLatency", variant_name, **{"statistic": "Average", **props})

    def metric_invocation_4xx_errors(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        return self.metric("Invocation4XXErrors", variant_name, **props)

    def metric_invocation_5xx_errors(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        return self.metric("Invocation5XXErrors", variant_name, **props)

    def metric_cpu_utilization(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        """Percent of one vCPU, summed over vCPUs (so up to 100 x vCPUs); default statistic Average."""
        return self.metric("CPUUtilization", variant_name, namespace=_INSTANCE_NAMESPACE, **{"statistic": "Average", **props})

    def metric_memory_utilization(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        return self.metric("MemoryUtilization", variant_name, namespace=_INSTANCE_NAMESPACE, **{"statistic": "Average", **props})

    def metric_disk_utilization(self, variant_name: Optional[str] = None, **props) -> cloudwatch.Metric:
        return self.metric("DiskUtilization", variant_name, namespace=_INSTANCE_NAMESPACE, **{"statistic": "Average", **props})

    # -------------------------------------------------------------------------------------- internals

    def _variant(self, variant_name: Optional[str]) -> str:
        if variant_name is None:
            if len(self.variant_names) != 1:
                raise ValueError(
                    f"{self.node.path} has variants {list(self.variant_names)}; name the one you want a metric of"
                )
            return self.variant_names[0]
        if variant_name not in self.variant_names:
            raise ValueError(f"{self.node.path} has no variant {variant_name!r}; variants: {list(self.variant_names)}")
        return variant_name

    def _over_variants(self, function: str, metric_of, label: str) -> cloudwatch.IMetric:
        if len(self.variant_names) == 1:
            return metric_of(self.variant_names[0])
        metrics = {f"v{i}": metric_of(name) for i, name in enumerate(self.variant_names)}
        return cloudwatch.MathExpression(
            expression=f"{function}([{', '.join(metrics)}])", using_metrics=metrics, label=label,
            period=Duration.minutes(1),
        )

    def _alarm(self, alarm_id: str, *, metric: cloudwatch.IMetric, threshold: float,
               settings: EndpointAlarmSettings, description: str) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            alarm_id,
            # A fixed name: the endpoint's rollback config names the alarm while the alarm's dimensions
            # name the endpoint; a Ref both ways would be a circular dependency.
            alarm_name=self._alarm_name(alarm_id),
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=settings.evaluation_periods,
            datapoints_to_alarm=settings.datapoints_to_alarm,
            # No traffic is not an outage; an idle (or scaled-to-zero) endpoint must not alarm or block a rollout.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )

    def _alarm_name(self, alarm_id: str) -> str:
        return name_in_stack(self, alarm_id)

    def _deployment_config(self, deployment: DeploymentSettings):
        size = None
        if deployment.size_value is not None:
            size = sagemaker.CfnEndpoint.CapacitySizeProperty(type=deployment.size_type, value=deployment.size_value)
        routing = sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
            type=deployment.traffic_routing,
            canary_size=size if deployment.traffic_routing == "CANARY" else None,
            linear_step_size=size if deployment.traffic_routing == "LINEAR" else None,
            wait_interval_in_seconds=deployment.wait_interval_seconds,
        )
        rollback = None
        if deployment.auto_rollback:
            rollback = sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=self._alarm_name(a.node.id))
                        for a in self.rollback_alarms])
        return sagemaker.CfnEndpoint.DeploymentConfigProperty(
            blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=routing,
                termination_wait_in_seconds=deployment.termination_wait_seconds,
                maximum_execution_timeout_in_seconds=deployment.maximum_execution_timeout_seconds,
            ),
            auto_rollback_configuration=rollback,
        )
