"""A SageMaker endpoint: deployment guardrails as typed values, opt-in health (rollback) alarms, variants that
autoscale, invoke grants and metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aws_cdk import (
    ArnFormat,
    Duration,
    Names,
    Resource,
    Stack,
    aws_cloudwatch as cloudwatch,
    aws_iam as iam,
    aws_sagemaker as sagemaker,
)
from constructs import Construct

from sagemaker_serving_cdk.endpoint_config import EndpointConfig, IEndpointConfig
from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.naming import name_in_stack
from sagemaker_serving_cdk.rules.alarm_windows import alarm_window_problems
from sagemaker_serving_cdk.rules.components import ComputeDemand
from sagemaker_serving_cdk.rules.deployment import (
    Target,
    rollback_alarm_problems,
    rolling_update_problems,
    timing_problems,
    traffic_routing_problems,
)
from sagemaker_serving_cdk.rules.naming import endpoint_name_problem
from sagemaker_serving_cdk.rules.problems import Problem

if TYPE_CHECKING:
    from sagemaker_serving_cdk.scaling import ScalableInstanceCount

# Invocations, latency and error counts; instance utilization lives in the second namespace.
_NAMESPACE = "AWS/SageMaker"
_INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"
MAX_ENDPOINT_NAME_LENGTH = 63


# ------------------------------------------------------------------------------------------ typed values


@dataclass(frozen=True)
class CapacitySize:
    """How much of the fleet one step moves: `CapacitySize.instances(n)` (endpoints), `.copies(n)` (inference
    components) or `.percent(p)` (either)."""

    type: str
    value: int

    @staticmethod
    def instances(count: int) -> CapacitySize:
        return CapacitySize("INSTANCE_COUNT", count)

    @staticmethod
    def copies(count: int) -> CapacitySize:
        """Copies of an inference component."""
        return CapacitySize("COPY_COUNT", count)

    @staticmethod
    def percent(percent: int) -> CapacitySize:
        return CapacitySize("CAPACITY_PERCENT", percent)


@dataclass(frozen=True)
class TrafficRouting:
    """How a blue/green update shifts traffic: `all_at_once()`, `canary(size)` or `linear(step)`."""

    type: str
    size: CapacitySize | None = None

    @staticmethod
    def all_at_once() -> TrafficRouting:
        return TrafficRouting("ALL_AT_ONCE")

    @staticmethod
    def canary(size: CapacitySize) -> TrafficRouting:
        """`size` first, the rest after the wait interval."""
        return TrafficRouting("CANARY", size)

    @staticmethod
    def linear(step: CapacitySize) -> TrafficRouting:
        """`step` at a time, one wait interval apart."""
        return TrafficRouting("LINEAR", step)


@dataclass(frozen=True)
class BlueGreenDeployment:
    """Deployment guardrails: a blue/green update that shifts traffic and rolls back on the health alarms."""

    traffic_routing: TrafficRouting = TrafficRouting.all_at_once()
    """Default: all at once."""
    wait_interval: Duration = Duration.minutes(5)
    """Baking time between traffic shifts. Default: 5 minutes."""
    termination_wait: Duration = Duration.seconds(0)
    """How long the old fleet stays after the shift completes (a fast way back). Default: 0."""
    maximum_execution_timeout: Duration | None = None
    """Default: SageMaker's."""
    auto_rollback: bool = True
    """Roll back when a health alarm fires (needs the endpoint's `health_alarms`). Default: True."""


@dataclass(frozen=True)
class RollingDeployment:
    """A rolling update: replaces the capacity one batch at a time, with no second fleet (unlike blue/green),
    and rolls back on the alarms: an endpoint's `health_alarms`, an inference component's `rollback_alarms`.

    Sizes are `CapacitySize.instances`/`.percent` on endpoints, `CapacitySize.copies`/`.percent` on components.
    """

    maximum_batch_size: CapacitySize
    """How much is replaced at a time."""
    wait_interval: Duration = Duration.minutes(5)
    """Baking time after each batch (0-3600 s). Default: 5 minutes."""
    maximum_execution_timeout: Duration | None = None
    """The whole update (600-28800 s). Default: SageMaker's."""
    rollback_maximum_batch_size: CapacitySize | None = None
    """How much is rolled back at a time. Default: everything at once."""
    auto_rollback: bool = True
    """Roll back when a rollback alarm fires. Default: True."""

    def problems(self, *, target: Target, serverless: bool = False, variant_names: Sequence[str] = ()) -> list[Problem]:
        """The rules of `rules.deployment` on these values (`variant_names`: the endpoint's, shadows included)."""
        rollback = self.rollback_maximum_batch_size
        timeout = self.maximum_execution_timeout
        return rolling_update_problems(
            batch_type=self.maximum_batch_size.type,
            batch_value=self.maximum_batch_size.value,
            wait_seconds=_seconds(self.wait_interval),
            maximum_execution_timeout_seconds=None if timeout is None else _seconds(timeout),
            rollback_type=None if rollback is None else rollback.type,
            rollback_value=None if rollback is None else rollback.value,
            target=target,
            serverless=serverless,
            variant_names=variant_names,
        )


@dataclass(frozen=True)
class HealthAlarms:
    """The endpoint's 5XX and p99 model-latency alarms, which also roll back a guarded deployment."""

    errors_5xx_per_minute: int = 5
    """Default: 5."""
    latency_p99_ms: float = 1000
    """Default: 1000 ms."""
    evaluation_periods: int = 5
    """One-minute periods. Default: 5."""
    datapoints_to_alarm: int = 3
    """Default: 3."""
    action: cloudwatch.IAlarmAction | None = None
    """Where the alarms notify. Default: nowhere (they still roll back deployments)."""


def health_alarm_pair(
    scope: Construct,
    alarms: HealthAlarms,
    *,
    errors: cloudwatch.IMetric,
    latency_p99: cloudwatch.IMetric,
    guarded: Construct | None,
) -> tuple[cloudwatch.Alarm, cloudwatch.Alarm]:
    """The 5XX (`Errors5xxAlarm`) and p99 latency (`LatencyP99Alarm`) alarms under `scope`, with fixed names, on
    which `guarded` (the resource whose deployment they roll back, when it exists already) depends."""

    def alarm(alarm_id: str, metric: cloudwatch.IMetric, threshold: float, description: str) -> cloudwatch.Alarm:
        created = cloudwatch.Alarm(
            scope,
            alarm_id,
            # A fixed name: the rollback config names the alarm while the alarm's dimensions name the endpoint
            # (or component); a Ref both ways would be a circular dependency.
            alarm_name=name_in_stack(scope, alarm_id),
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=alarms.evaluation_periods,
            datapoints_to_alarm=alarms.datapoints_to_alarm,
            # No traffic is not an outage; an idle (or scaled-to-zero) endpoint must not alarm or block a rollout.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        if alarms.action is not None:
            created.add_alarm_action(alarms.action)
        if guarded is not None:
            guarded.node.add_dependency(created)
        return created

    return (
        alarm(
            "Errors5xxAlarm",
            errors,
            alarms.errors_5xx_per_minute,
            f"SEV2: {alarms.errors_5xx_per_minute}+ 5XX responses a minute",
        ),
        # ModelLatency is reported in microseconds.
        alarm(
            "LatencyP99Alarm",
            latency_p99,
            alarms.latency_p99_ms * 1000,
            f"SEV3: p99 model latency above {alarms.latency_p99_ms:g} ms",
        ),
    )


# ------------------------------------------------------------------------------------------ interfaces


@runtime_checkable
class IEndpoint(Protocol):
    """An endpoint, defined here (`Endpoint`) or imported (`Endpoint.from_endpoint_name`/`from_endpoint_arn`)."""

    @property
    def endpoint_name(self) -> str: ...
    @property
    def endpoint_arn(self) -> str: ...
    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant: ...


def _grant_invoke(grantee: iam.IGrantable, endpoint_arn: str) -> iam.Grant:
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
        resource_arns=[endpoint_arn],
    )


class _ImportedEndpoint(Resource):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, arn: str) -> None:
        super().__init__(scope, construct_id)
        self.endpoint_name, self.endpoint_arn = name, arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return _grant_invoke(grantee, self.endpoint_arn)


# ------------------------------------------------------------------------------------------ the endpoint


class Endpoint(Resource):
    """An `AWS::SageMaker::Endpoint` (id `Resource`).

    Updates keep autoscaled instance counts (RetainAllVariantProperties). With `health_alarms`, the endpoint
    defines its 5XX and p99 ModelLatency alarms (`rollback_alarms`, ids `Errors5xxAlarm`/`LatencyP99Alarm`),
    which a guarded deployment rolls back on. The alarms name the endpoint literally, so the endpoint depends
    on them: CloudFormation creates them first, as SageMaker needs when it reads the rollback alarms.

    :param endpoint_config: what the endpoint serves.
    :param endpoint_name: the physical name clients call; renaming replaces the endpoint. Must satisfy SageMaker's
        endpoint-name rule. Default: generated from the construct path (at most 63 characters).
    :param deployment: blue/green guardrails or a rolling update (instance variants only). Default: SageMaker's
        plain blue/green update, no rollback alarms.
    :param health_alarms: define the 5XX and latency alarms. Default: none (no alarms; `auto_rollback` then
        needs them and is an error).
    :param retain_all_variant_properties: keep variant properties (autoscaled counts) across updates.
        Default: True.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_config: EndpointConfig | IEndpointConfig,
        endpoint_name: str | None = None,
        deployment: BlueGreenDeployment | RollingDeployment | None = None,
        health_alarms: HealthAlarms | None = None,
        retain_all_variant_properties: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        if endpoint_name is None:
            endpoint_name = Names.unique_resource_name(self, max_length=MAX_ENDPOINT_NAME_LENGTH, separator="-")
        self._check(endpoint_name, endpoint_config, deployment, health_alarms)
        self.endpoint_config = endpoint_config
        self.variant_names: tuple[str, ...] = getattr(endpoint_config, "variant_names", ())
        self.is_async: bool = getattr(endpoint_config, "is_async", False)
        self.is_serverless: bool = getattr(endpoint_config, "is_serverless", False)
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=endpoint_name,
            endpoint_config_name=endpoint_config.endpoint_config_name,
            # Without this an update resets every variant to its initial instance count, undoing autoscaling.
            retain_all_variant_properties=retain_all_variant_properties,
        )
        # The literal name, not the resource's attribute: metrics, alarms and scaling targets that use it must
        # not depend on the endpoint (the endpoint depends on its rollback alarms).
        self.endpoint_name = endpoint_name
        # SageMaker lower-cases names in ARNs.
        self.endpoint_arn = Stack.of(self).format_arn(
            service="sagemaker",
            resource="endpoint",
            resource_name=endpoint_name.lower(),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

        self.component_demands: list[ComputeDemand] = []
        """What the inference components placed on this endpoint so far reserve (each `InferenceComponent`
        checks that it fits beside them)."""
        self.rollback_alarms: tuple[cloudwatch.Alarm, ...] = ()
        if health_alarms is not None:
            self.rollback_alarms = self._health_alarms(health_alarms)
        if deployment is not None:
            self.endpoint.deployment_config = self._deployment_config(deployment)
            if deployment.auto_rollback:
                # SageMaker reads the rollback alarms with the models' execution role during a guarded update.
                for role in getattr(endpoint_config, "roles", ()):
                    self.grant_describe_rollback_alarms(role.role)

    @staticmethod
    def from_endpoint_name(scope: Construct, construct_id: str, endpoint_name: str) -> IEndpoint:
        arn = Stack.of(scope).format_arn(
            service="sagemaker",
            resource="endpoint",
            resource_name=endpoint_name.lower(),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        return _ImportedEndpoint(scope, construct_id, name=endpoint_name, arn=arn)

    @staticmethod
    def from_endpoint_arn(scope: Construct, construct_id: str, endpoint_arn: str) -> IEndpoint:
        name = Stack.of(scope).split_arn(endpoint_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
        return _ImportedEndpoint(scope, construct_id, name=name or endpoint_arn, arn=endpoint_arn)

    # -------------------------------------------------------------------------------------- variants

    def find_variant(self, variant_name: str) -> EndpointVariant:
        """A production variant of this endpoint, to autoscale or to read metrics of."""
        if not isinstance(self.endpoint_config, EndpointConfig):
            raise PropsError(self, f"find_variant({variant_name!r}) is not supported for an imported IEndpointConfig")
        if variant_name not in self.variant_names:
            raise PropsError(self, f"no variant {variant_name!r}; variants: {list(self.variant_names)}")
        return EndpointVariant(self, variant_name)

    # -------------------------------------------------------------------------------------- grants

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke the endpoint, synchronously or (for async endpoints) asynchronously."""
        return _grant_invoke(grantee, self.endpoint_arn)

    def grant_describe_rollback_alarms(self, grantee: iam.IGrantable) -> iam.Grant:
        """cloudwatch:DescribeAlarms on this endpoint's rollback alarms only."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["cloudwatch:DescribeAlarms"], resource_arns=self.rollback_alarm_arns
        )

    @property
    def rollback_alarm_arns(self) -> list[str]:
        # Built from the fixed names (no reference): the role's policy need not wait for the alarms.
        stack = Stack.of(self)
        return [
            stack.format_arn(
                service="cloudwatch",
                resource="alarm",
                resource_name=self._alarm_name(a.node.id),
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for a in self.rollback_alarms
        ]

    # -------------------------------------------------------------------------------------- metrics

    def metric(
        self,
        metric_name: str,
        variant_name: str | None = None,
        *,
        namespace: str = _NAMESPACE,
        statistic: str = "Sum",
        period: Duration = Duration.minutes(1),
        **props: Any,
    ) -> cloudwatch.Metric:
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

    def metric_invocations(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        return self.metric("Invocations", variant_name, **props)

    def metric_invocations_per_instance(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        return self.metric("InvocationsPerInstance", variant_name, **props)

    def metric_model_latency(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        """Microseconds; default statistic Average."""
        return self.metric("ModelLatency", variant_name, **{"statistic": "Average", **props})

    def metric_overhead_latency(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        """Microseconds; default statistic Average."""
        return self.metric("OverheadLatency", variant_name, **{"statistic": "Average", **props})

    def metric_invocation_4xx_errors(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        return self.metric("Invocation4XXErrors", variant_name, **props)

    def metric_invocation_5xx_errors(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        return self.metric("Invocation5XXErrors", variant_name, **props)

    def metric_cpu_utilization(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        """Percent of one vCPU, summed over vCPUs (so up to 100 x vCPUs); default statistic Average."""
        return self._instance_metric("CPUUtilization", variant_name, props)

    def metric_memory_utilization(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        return self._instance_metric("MemoryUtilization", variant_name, props)

    def metric_disk_utilization(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        return self._instance_metric("DiskUtilization", variant_name, props)

    def metric_gpu_utilization(self, variant_name: str | None = None, **props: Any) -> cloudwatch.Metric:
        """Percent of one GPU, summed over GPUs; default statistic Average."""
        return self._instance_metric("GPUUtilization", variant_name, props)

    def metric_backlog_size(self, **props: Any) -> cloudwatch.Metric:
        """Async endpoints: queued requests (ApproximateBacklogSize, per endpoint); default statistic Average."""
        return self._endpoint_metric("ApproximateBacklogSize", props)

    def metric_backlog_size_per_instance(self, **props: Any) -> cloudwatch.Metric:
        """Async endpoints: queued requests per instance; default statistic Average."""
        return self._endpoint_metric("ApproximateBacklogSizePerInstance", props)

    def metric_has_backlog_without_capacity(self, **props: Any) -> cloudwatch.Metric:
        """Async endpoints: 1 while requests wait with no instance running; default statistic Average."""
        return self._endpoint_metric("HasBacklogWithoutCapacity", props)

    # -------------------------------------------------------------------------------------- internals

    def _instance_metric(self, name: str, variant_name: str | None, props: dict[str, Any]) -> cloudwatch.Metric:
        return self.metric(name, variant_name, namespace=_INSTANCE_NAMESPACE, **{"statistic": "Average", **props})

    def _endpoint_metric(self, name: str, props: dict[str, Any]) -> cloudwatch.Metric:
        options: dict[str, Any] = {"statistic": "Average", "period": Duration.minutes(1), **props}
        return cloudwatch.Metric(
            namespace=_NAMESPACE, metric_name=name, dimensions_map={"EndpointName": self.endpoint_name}, **options
        )

    def _check(
        self,
        endpoint_name: str,
        endpoint_config: Any,
        deployment: BlueGreenDeployment | RollingDeployment | None,
        health_alarms: HealthAlarms | None,
    ) -> None:
        problems = []
        problem = endpoint_name_problem(endpoint_name)
        if problem:
            problems.append(f"endpoint_name {problem}")
        serverless = bool(getattr(endpoint_config, "is_serverless", False))
        found: list[Problem] = []
        if isinstance(deployment, RollingDeployment):
            variants = (
                *getattr(endpoint_config, "variant_names", ()),
                *getattr(endpoint_config, "shadow_variant_names", ()),
            )
            found += deployment.problems(target="endpoint", serverless=serverless, variant_names=variants)
        elif deployment is not None:
            size = deployment.traffic_routing.size
            found += traffic_routing_problems(
                deployment.traffic_routing.type,
                None if size is None else size.type,
                None if size is None else size.value,
                serverless=serverless,
                field="deployment.traffic_routing",
                size_field="deployment.traffic_routing.size",
            )
            timeout = deployment.maximum_execution_timeout
            found += timing_problems(
                _seconds(deployment.wait_interval),
                None if timeout is None else _seconds(timeout),
                _seconds(deployment.termination_wait),
            )
        if deployment is not None:
            alarms = 0 if health_alarms is None else 2
            found += rollback_alarm_problems(alarms, auto_rollback=deployment.auto_rollback, field="health_alarms")
        if health_alarms is not None:
            found += alarm_window_problems(
                health_alarms.datapoints_to_alarm,
                health_alarms.evaluation_periods,
                period_seconds=60,
                field="health_alarms.datapoints_to_alarm",
                periods_field="health_alarms.evaluation_periods",
            )
        # The one copy of these rules, shared with the app's config validation.
        problems += [str(p) for p in found]
        if problems:
            raise PropsError(self, problems)

    def _variant(self, variant_name: str | None) -> str:
        if variant_name is None:
            if len(self.variant_names) != 1:
                raise PropsError(self, f"has variants {list(self.variant_names)}; name the one you want a metric of")
            return self.variant_names[0]
        if self.variant_names and variant_name not in self.variant_names:
            raise PropsError(self, f"has no variant {variant_name!r}; variants: {list(self.variant_names)}")
        return variant_name

    def _over_variants(
        self, function: str, metric_of: Callable[[str], cloudwatch.IMetric], label: str
    ) -> cloudwatch.IMetric:
        if len(self.variant_names) == 1:
            return metric_of(self.variant_names[0])
        metrics = {f"v{i}": metric_of(name) for i, name in enumerate(self.variant_names)}
        return cloudwatch.MathExpression(
            expression=f"{function}([{', '.join(metrics)}])",
            using_metrics=metrics,
            label=label,
            period=Duration.minutes(1),
        )

    def _health_alarms(self, alarms: HealthAlarms) -> tuple[cloudwatch.Alarm, ...]:
        errors, latency = health_alarm_pair(
            self,
            alarms,
            errors=self._over_variants(
                "SUM", self.metric_invocation_5xx_errors, "Invocation 5XX errors (all variants)"
            ),
            latency_p99=self._over_variants(
                "MAX",
                lambda v: self.metric_model_latency(v, statistic="p99"),
                "ModelLatency p99 in microseconds (worst variant)",
            ),
            guarded=self.endpoint,
        )
        self.errors_alarm, self.latency_alarm = errors, latency
        return errors, latency

    def _alarm_name(self, alarm_id: str) -> str:
        return name_in_stack(self, alarm_id)

    def _deployment_config(
        self, deployment: BlueGreenDeployment | RollingDeployment
    ) -> sagemaker.CfnEndpoint.DeploymentConfigProperty:
        rollback = None
        if deployment.auto_rollback:
            rollback = sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                alarms=[
                    sagemaker.CfnEndpoint.AlarmProperty(alarm_name=self._alarm_name(a.node.id))
                    for a in self.rollback_alarms
                ]
            )
        if isinstance(deployment, RollingDeployment):
            return sagemaker.CfnEndpoint.DeploymentConfigProperty(
                rolling_update_policy=_rolling_policy(deployment), auto_rollback_configuration=rollback
            )
        routing = deployment.traffic_routing
        size = None
        if routing.size is not None:
            size = sagemaker.CfnEndpoint.CapacitySizeProperty(type=routing.size.type, value=routing.size.value)
        traffic = sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
            type=routing.type,
            canary_size=size if routing.type == "CANARY" else None,
            linear_step_size=size if routing.type == "LINEAR" else None,
            wait_interval_in_seconds=_seconds(deployment.wait_interval),
        )
        timeout = deployment.maximum_execution_timeout
        return sagemaker.CfnEndpoint.DeploymentConfigProperty(
            blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=traffic,
                termination_wait_in_seconds=_seconds(deployment.termination_wait),
                maximum_execution_timeout_in_seconds=None if timeout is None else _seconds(timeout),
            ),
            auto_rollback_configuration=rollback,
        )


def _seconds(duration: Duration) -> int:
    return int(duration.to_seconds())


def _rolling_policy(deployment: RollingDeployment) -> sagemaker.CfnEndpoint.RollingUpdatePolicyProperty:
    rollback = deployment.rollback_maximum_batch_size
    timeout = deployment.maximum_execution_timeout
    return sagemaker.CfnEndpoint.RollingUpdatePolicyProperty(
        maximum_batch_size=_capacity(deployment.maximum_batch_size),
        wait_interval_in_seconds=_seconds(deployment.wait_interval),
        maximum_execution_timeout_in_seconds=None if timeout is None else _seconds(timeout),
        rollback_maximum_batch_size=None if rollback is None else _capacity(rollback),
    )


def _capacity(size: CapacitySize) -> sagemaker.CfnEndpoint.CapacitySizeProperty:
    return sagemaker.CfnEndpoint.CapacitySizeProperty(type=size.type, value=size.value)


class EndpointVariant:
    """One production variant of an `Endpoint` (from `Endpoint.find_variant`)."""

    def __init__(self, endpoint: Endpoint, variant_name: str) -> None:
        self.endpoint = endpoint
        self.variant_name = variant_name
        config = endpoint.endpoint_config
        if not isinstance(config, EndpointConfig):  # find_variant refuses imported configs before this
            raise TypeError(f"{endpoint.node.path}: variants are known only for an EndpointConfig of this app")
        self.instance_variant = config.instance_variants.get(variant_name)
        """The variant's props; None for a serverless variant."""

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        return self.endpoint.metric(metric_name, self.variant_name, **props)

    def auto_scale_instance_count(
        self, *, min_capacity: int, max_capacity: int, scope: Construct | None = None, construct_id: str | None = None
    ) -> ScalableInstanceCount:
        """Application Auto Scaling of this variant's instance count; add policies to the result.

        :param min_capacity: 0 only for async endpoints (scale to zero).
        :param scope: where the scaling constructs go. Default: the endpoint.
        :param construct_id: default: `<VariantName>Scaling`.
        """
        from sagemaker_serving_cdk.scaling import ScalableInstanceCount

        return ScalableInstanceCount(
            scope or self.endpoint,
            construct_id or f"{self.variant_name}Scaling",
            variant=self,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
        )


__all__: Sequence[str] = [
    "BlueGreenDeployment",
    "CapacitySize",
    "Endpoint",
    "EndpointVariant",
    "HealthAlarms",
    "IEndpoint",
    "RollingDeployment",
    "TrafficRouting",
]
