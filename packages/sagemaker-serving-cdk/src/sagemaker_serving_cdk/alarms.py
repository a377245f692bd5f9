"""Per-variant alarms of one endpoint, at the severities config sets, on top of its rollback alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aws_cdk import Duration, aws_cloudwatch as cloudwatch
from constructs import Construct

from sagemaker_serving_cdk.endpoint import Endpoint
from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.inference_component import InferenceComponent
from sagemaker_serving_cdk.naming import path_in_stage
from sagemaker_serving_cdk.rules.instances import vcpu_count
from sagemaker_serving_cdk.severity_alarms import AlarmLevels, Metric, SeverityAlarms

NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING
BREACHING = cloudwatch.TreatMissingData.BREACHING
MICROSECONDS_PER_MS = 1000


@dataclass(frozen=True)
class NoTraffic:
    """Dead traffic: no invocations at all for `periods` consecutive periods (not for async endpoints)."""

    periods: int = 6
    """Default: 6."""
    period: Duration = Duration.minutes(5)
    """Default: 5 minutes."""
    severity: Literal["warning", "critical"] = "warning"
    """Default: warning."""


def _levels(*, warning: float | None = None, critical: float | None = None) -> AlarmLevels:
    return AlarmLevels(warning=warning, critical=critical)


@dataclass(frozen=True)
class EndpointAlarmThresholds:
    """Per-variant alarm thresholds. Units are in the field names; latencies in milliseconds (the alarms convert
    CloudWatch's microseconds); CPU as a percentage of the whole instance. Each default is shown; an
    `AlarmLevels()` with no level turns that alarm kind off."""

    invocations_per_period: AlarmLevels = field(default_factory=lambda: _levels(warning=1000))
    """A traffic spike: Invocations (Sum) per period. Real-time and serverless endpoints only. Default: warning 1000."""
    no_invocations: NoTraffic | None = None
    """Default: off (an idle endpoint is normal)."""
    errors_5xx_per_period: AlarmLevels = field(default_factory=lambda: _levels(warning=1))
    """Invocation5XXErrors (Sum) per period. Default: warning 1 (the critical level is the health alarm)."""
    errors_4xx_percent: AlarmLevels = field(default_factory=lambda: _levels(warning=5, critical=25))
    """Invocation4XXErrors as a percentage of Invocations. Real-time and serverless only. Default: 5 / 25."""
    model_latency_p99_ms: AlarmLevels = field(default_factory=lambda: _levels(warning=500))
    """ModelLatency p99. Default: warning 500 (the critical level is the health alarm)."""
    overhead_latency_p99_ms: AlarmLevels = field(default_factory=lambda: _levels(warning=100, critical=500))
    """OverheadLatency p99. Not published for async. Default: 100 / 500."""
    cpu_utilization_percent: AlarmLevels = field(default_factory=lambda: _levels(warning=80, critical=95))
    """Instance variants only. Default: 80 / 95."""
    memory_utilization_percent: AlarmLevels = field(default_factory=lambda: _levels(warning=80, critical=90))
    """Instance variants only. Default: 80 / 90."""
    async_backlog_size: AlarmLevels = field(default_factory=lambda: _levels(warning=100, critical=500))
    """ApproximateBacklogSize (Average), async endpoints only. Default: 100 / 500."""
    async_oldest_request_age_seconds: AlarmLevels = field(default_factory=lambda: _levels(warning=300, critical=900))
    """ApproximateAgeOfOldestRequest (Maximum), async endpoints only. Default: 300 / 900."""
    serverless_model_setup_ms: AlarmLevels = field(default_factory=lambda: _levels(warning=5000, critical=20000))
    """ModelSetupTime (Maximum), serverless endpoints only. Default: 5000 / 20000."""
    component_no_capacity_failures: AlarmLevels = field(default_factory=lambda: _levels(warning=10))
    """NoCapacityInvocationFailures (Sum) per period of an inference component: requests refused because no copy
    could take them (scaled to zero, or the host is full). A component waking from zero refuses its first requests,
    so the default tolerates a few. Default: warning 10."""


class EndpointAlarms(Construct):
    """Warning and critical alarms for each production variant of `endpoint`, from config thresholds.

    Which alarms an endpoint gets follows what SageMaker publishes for it:
    - every variant: Invocation5XXErrors and ModelLatency p99 (warning level; the critical level is the
      endpoint's own rollback alarm, reused: it gets an OK action here, not a twin);
    - real-time and serverless: an invocation spike, optionally dead traffic, the 4XX rate, OverheadLatency
      p99 (async endpoints publish no Invocations or OverheadLatency);
    - instance variants: CPU (as a share of the instance) and memory utilization;
    - async endpoints: backlog size and the age of the oldest queued request (per endpoint);
    - serverless endpoints: ModelSetupTime (cold starts);
    - a component host: none per variant (its traffic is counted per component), but per inference component
      (`components`): Invocation5XXErrors, ModelLatency p99 and NoCapacityInvocationFailures (AWS/SageMaker,
      dimension InferenceComponentName), CPU and memory as a share of what its copies reserved
      (/aws/sagemaker/InferenceComponents); its own health alarms are reused as the critical levels.
    Shadow variants get none: their responses never reach a caller.

    Alarm names are `<name_prefix>-<variant>-<kind>-<severity>` (per endpoint: `<name_prefix>-<kind>-<severity>`;
    per component: `<component_name>-<kind>-<severity>`).
    Every alarm sets treat-missing-data and datapoints-to-alarm, and notifies `action` on ALARM and on OK.

    :param endpoint: the endpoint; its config says which variants it has and of what kind.
    :param thresholds: the levels of each alarm kind. Default: EndpointAlarmThresholds().
    :param action: where notifications go (the environment's alarm topic).
    :param name_prefix: e.g. `mlinf-prod-realtime`; keeps names unique per account and region.
    :param components: the inference components on `endpoint` (a component host). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: Endpoint,
        action: cloudwatch.IAlarmAction,
        name_prefix: str,
        thresholds: EndpointAlarmThresholds | None = None,
        components: Sequence[InferenceComponent] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        thresholds = thresholds or EndpointAlarmThresholds()
        self.endpoint = endpoint
        self._thresholds = thresholds
        self._action = action
        self._name_prefix = name_prefix
        self.is_async = endpoint.is_async
        self.is_serverless = endpoint.is_serverless
        instance_variants = getattr(endpoint.endpoint_config, "instance_variants", None)
        if instance_variants is None:
            raise PropsError(
                self, "endpoint alarms need the endpoint's variants; not supported for an imported IEndpointConfig"
            )
        self.alarms: list[cloudwatch.Alarm] = []

        # The critical 5XX and latency levels: the endpoint's (and components') health alarms, reused and told to
        # report recovery.
        self.rollback_alarms = tuple(endpoint.rollback_alarms) + tuple(a for c in components for a in c.health_alarms)
        for alarm in self.rollback_alarms:
            alarm.add_ok_action(action)

        if getattr(endpoint.endpoint_config, "component_host", None) is not None:
            for component in components:
                self._component_alarms(component)
            return
        if components:
            raise PropsError(self, "components are given, but the endpoint's config has no component_host")
        instance_types = {name: v.instance_type for name, v in instance_variants.items()}
        for variant in endpoint.variant_names:
            self._variant_alarms(variant, instance_types.get(variant))
        if self.is_async:
            self._async_alarms()

    @property
    def all_alarms(self) -> list[cloudwatch.IAlarm]:
        """These alarms and the reused rollback alarms (e.g. for a dashboard's alarm-status widget)."""
        return [*self.rollback_alarms, *self.alarms]

    # ---------------------------------------------------------------------------------------- per variant

    def _variant_alarms(self, variant: str, instance_type: str | None) -> None:
        e, t = self.endpoint, self._thresholds
        where = f"{path_in_stage(e)} variant {variant}"
        scope = Construct(self, variant)
        self._add(
            scope,
            "Errors5xx",
            variant,
            "5xx",
            t.errors_5xx_per_period,
            e.metric_invocation_5xx_errors(variant),
            NOT_BREACHING,
            f"5XX responses of {where}",
            " per period",
        )
        self._add(
            scope,
            "ModelLatencyP99",
            variant,
            "model-latency-p99",
            t.model_latency_p99_ms,
            e.metric_model_latency(variant, statistic="p99"),
            NOT_BREACHING,
            f"p99 model latency of {where}",
            " ms",
            scale=MICROSECONDS_PER_MS,
        )

        if not self.is_async:
            invocations = e.metric_invocations(variant)
            # No traffic is not a spike, and (for the error rate) not an error.
            self._add(
                scope,
                "Invocations",
                variant,
                "invocations",
                t.invocations_per_period,
                invocations,
                NOT_BREACHING,
                f"invocations of {where}",
                " per period",
            )
            if t.no_invocations is not None:
                dead = t.no_invocations
                self._add(
                    scope,
                    "NoInvocations",
                    variant,
                    "no-invocations",
                    AlarmLevels(
                        **{dead.severity: 1},
                        period=dead.period,
                        evaluation_periods=dead.periods,
                        datapoints_to_alarm=dead.periods,
                    ),
                    invocations,
                    # SageMaker publishes nothing for a period without requests: missing data IS the signal.
                    BREACHING,
                    f"no invocations of {where} for {dead.periods} periods",
                    " per period",
                    comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                )
            rate = cloudwatch.MathExpression(
                expression="IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)",
                using_metrics={"errors": e.metric_invocation_4xx_errors(variant), "invocations": invocations},
                label=f"4XX rate of {variant} (%)",
                period=Duration.minutes(1),
            )
            self._add(
                scope,
                "Errors4xxRate",
                variant,
                "4xx-rate",
                t.errors_4xx_percent,
                rate,
                NOT_BREACHING,
                f"4XX responses as a share of invocations of {where}",
                "%",
            )
            self._add(
                scope,
                "OverheadLatencyP99",
                variant,
                "overhead-latency-p99",
                t.overhead_latency_p99_ms,
                e.metric_overhead_latency(variant, statistic="p99"),
                NOT_BREACHING,
                f"p99 overhead latency of {where}",
                " ms",
                scale=MICROSECONDS_PER_MS,
            )

        if self.is_serverless:
            self._add(
                scope,
                "ModelSetupTime",
                variant,
                "model-setup-time",
                t.serverless_model_setup_ms,
                e.metric("ModelSetupTime", variant, statistic="Maximum"),
                NOT_BREACHING,
                f"model setup (cold start) time of {where}",
                " ms",
                scale=MICROSECONDS_PER_MS,
            )
        elif instance_type is not None:
            vcpus = vcpu_count(instance_type)
            cpu = cloudwatch.MathExpression(
                expression=f"cpu / {vcpus}",
                using_metrics={"cpu": e.metric_cpu_utilization(variant)},
                label=f"CPU of {variant} (% of {vcpus} vCPUs)",
                period=Duration.minutes(1),
            )
            # No instance metrics while an (async) variant runs no instances: nothing to alarm on.
            self._add(
                scope,
                "CpuUtilization",
                variant,
                "cpu",
                t.cpu_utilization_percent,
                cpu,
                NOT_BREACHING,
                f"CPU utilization of {where} ({instance_type}, {vcpus} vCPUs)",
                "%",
            )
            self._add(
                scope,
                "MemoryUtilization",
                variant,
                "memory",
                t.memory_utilization_percent,
                e.metric_memory_utilization(variant),
                NOT_BREACHING,
                f"memory utilization of {where}",
                "%",
            )

    # ---------------------------------------------------------------------------------------- per component

    def _component_alarms(self, component: InferenceComponent) -> None:
        t, key = self._thresholds, component.node.id
        where = f"inference component {component.component_name}"
        scope = Construct(self, key)
        for construct_id, kind, levels, metric, description, unit, scale in (
            (
                "Errors5xx",
                "5xx",
                t.errors_5xx_per_period,
                component.metric_invocation_5xx_errors(),
                f"5XX responses of {where}",
                " per period",
                1,
            ),
            (
                "ModelLatencyP99",
                "model-latency-p99",
                t.model_latency_p99_ms,
                component.metric_model_latency(statistic="p99"),
                f"p99 model latency of {where}",
                " ms",
                MICROSECONDS_PER_MS,
            ),
            (
                "NoCapacityFailures",
                "no-capacity",
                t.component_no_capacity_failures,
                component.metric_no_capacity_invocation_failures(),
                f"requests {where} refused for want of a copy",
                " per period",
                1,
            ),
            (
                "CpuUtilization",
                "cpu",
                t.cpu_utilization_percent,
                component.metric_cpu_utilization_normalized(),
                f"CPU utilization of {where} (% of the cores its copies reserve)",
                "%",
                1,
            ),
            (
                "MemoryUtilization",
                "memory",
                t.memory_utilization_percent,
                component.metric_memory_utilization_normalized(),
                f"memory utilization of {where} (% of the memory its copies reserve)",
                "%",
                1,
            ),
        ):
            # No datapoints while idle or at zero copies: nothing to alarm on. Named after the component, whose
            # name is unique in the account and region.
            self._add(
                scope,
                construct_id,
                None,
                kind,
                levels,
                metric,
                NOT_BREACHING,
                description,
                unit,
                scale=scale,
                name_prefix=component.component_name,
            )

    # ---------------------------------------------------------------------------------------- per endpoint

    def _async_alarms(self) -> None:
        t, where = self._thresholds, path_in_stage(self.endpoint)
        # An empty queue publishes no datapoints; that is the healthy state.
        self._add(
            self,
            "BacklogSize",
            None,
            "backlog",
            t.async_backlog_size,
            self.metric_async("ApproximateBacklogSize", "Average"),
            NOT_BREACHING,
            f"queued requests of {where}",
            " requests",
        )
        self._add(
            self,
            "OldestRequestAge",
            None,
            "oldest-request-age",
            t.async_oldest_request_age_seconds,
            self.metric_async("ApproximateAgeOfOldestRequest", "Maximum"),
            NOT_BREACHING,
            f"age of the oldest queued request of {where}",
            " s",
        )

    def metric_async(self, metric_name: str, statistic: str) -> cloudwatch.Metric:
        """An async endpoint's queue metric (EndpointName dimension only: the queue belongs to the endpoint)."""
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            statistic=statistic,
            dimensions_map={"EndpointName": self.endpoint.endpoint_name},
            period=Duration.minutes(1),
        )

    # ---------------------------------------------------------------------------------------- helper

    def _add(
        self,
        scope: Construct,
        construct_id: str,
        variant: str | None,
        kind: str,
        thresholds: AlarmLevels,
        metric: Metric,
        missing: cloudwatch.TreatMissingData,
        description: str,
        unit: str,
        *,
        scale: float = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        name_prefix: str | None = None,
    ) -> None:
        if not thresholds.levels:
            return  # this alarm kind is switched off in config
        name = "-".join(part for part in (name_prefix or self._name_prefix, variant, kind) if part)
        alarms = SeverityAlarms(
            scope,
            construct_id,
            metric=metric,
            thresholds=thresholds,
            action=self._action,
            treat_missing_data=missing,
            description=description,
            unit=unit,
            scale=scale,
            comparison=comparison,
            alarm_name_prefix=name,
        )
        self.alarms.extend(alarms.alarms.values())
