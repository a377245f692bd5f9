"""One CloudWatch dashboard per environment: alarm status, then each endpoint's traffic, latency, errors
and instances, async queues, and batch transform outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Optional

from aws_cdk import Duration, aws_cloudwatch as cloudwatch, aws_stepfunctions as sfn
from constructs import Construct

from config.serving import EndpointSettings
from sagemaker_serving_cdk import Endpoint, InferenceComponent

_FULL_WIDTH = 24
_GRAPH_HEIGHT = 6
_PERIOD = Duration.minutes(5)
_LATENCY_PERCENTILES = ("p50", "p90", "p99")


class InferenceDashboard(Construct):
    """A dashboard (id `Resource`, named `dashboard_name`) that shows an environment at a glance.

    Per endpoint and variant: invocations, ModelLatency percentiles and OverheadLatency p99, 4XX/5XX errors,
    and instances in service against the autoscaling range. SageMaker publishes no desired-instance-count
    metric, so "desired" is drawn as the configured range (min/max, or the fixed count) and "in service" is
    the number of instances reporting CPU each minute. Async endpoints add their queue.

    :param dashboard_name: unique per account and region, e.g. `mlinf-prod-inference`.
    :param title: the heading, e.g. "SageMaker inference: prod (us-west-2)".
    :param endpoints: the environment's endpoints by config name.
    :param settings: their config (serving.endpoints), for the variants' configured instance ranges.
    :param alarms: shown in the alarm-status widget at the top. Default: none (the widget is left out).
    :param state_machines: batch transform state machines by name; their executions show as job outcomes.
        Default: none (the batch row says so).
    :param components: each component host's inference components by endpoint name. A host's row shows them,
        one line each: invocations per copy, model latency p99, refused requests (no copy), CPU and memory.
        Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        title: str,
        endpoints: Mapping[str, Endpoint],
        settings: Mapping[str, EndpointSettings],
        alarms: Sequence[cloudwatch.IAlarm] = (),
        state_machines: Optional[Mapping[str, sfn.IStateMachine]] = None,
        components: Optional[Mapping[str, Mapping[str, InferenceComponent]]] = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(self, "Resource", dashboard_name=dashboard_name,
                                              default_interval=Duration.hours(12))
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"# {title}", width=_FULL_WIDTH, height=1))
        if alarms:
            self.dashboard.add_widgets(cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(alarms), width=_FULL_WIDTH,
                height=2 + (len(alarms) + 3) // 4,  # the widget lists four alarms a row
                sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
            ))
        for name, endpoint in endpoints.items():
            if settings[name].component_host is not None:
                self._component_rows(name, settings[name], (components or {}).get(name, {}))
            else:
                self._endpoint_rows(name, endpoint, settings[name])
        self._batch_row(state_machines or {})

    # ---------------------------------------------------------------------------------------- endpoints

    def _endpoint_rows(self, name: str, endpoint: Endpoint, settings: EndpointSettings) -> None:
        kind = "serverless" if endpoint.is_serverless else "async" if endpoint.is_async else "real-time"
        variants = endpoint.variant_names
        self.dashboard.add_widgets(cloudwatch.TextWidget(
            markdown=f"## Endpoint `{name}` ({kind}; variants: {', '.join(variants)})", width=_FULL_WIDTH, height=1))

        if endpoint.is_async:
            traffic = self._graph("Queue (requests)", [
                self._async_metric(endpoint, "ApproximateBacklogSize", "Average", "backlog"),
                self._async_metric(endpoint, "HasBacklogWithoutCapacity", "Maximum", "backlog without capacity"),
            ])
        else:
            traffic = self._graph("Invocations (per 5 min)", [
                endpoint.metric_invocations(v, period=_PERIOD, label=v) for v in variants])

        latency = [endpoint.metric_model_latency(v, statistic=p, period=_PERIOD, label=f"{v} model {p}")
                   for v in variants for p in _LATENCY_PERCENTILES]
        if not endpoint.is_async:  # async endpoints publish no OverheadLatency
            latency += [endpoint.metric_overhead_latency(v, statistic="p99", period=_PERIOD, label=f"{v} overhead p99")
                        for v in variants]
        errors = [metric for v in variants for metric in (
            endpoint.metric_invocation_4xx_errors(v, period=_PERIOD, label=f"{v} 4XX"),
            endpoint.metric_invocation_5xx_errors(v, period=_PERIOD, label=f"{v} 5XX"))]

        self.dashboard.add_widgets(
            traffic,
            self._graph("Latency (microseconds)", latency),
            self._graph("Errors (per 5 min)", errors),
            self._instances(endpoint, settings),
        )

    def _component_rows(self, name: str, settings: EndpointSettings,
                        components: Mapping[str, InferenceComponent]) -> None:
        host = settings.component_host
        self.dashboard.add_widgets(cloudwatch.TextWidget(
            markdown=(f"## Endpoint `{name}` (inference components on {host.instance_type}; components: "
                      f"{', '.join(components)})"), width=_FULL_WIDTH, height=1))
        self.dashboard.add_widgets(
            self._graph("Invocations per copy (per 5 min)", [
                c.metric_invocations_per_copy(period=_PERIOD, label=key) for key, c in components.items()]),
            self._graph("Model latency p99 (microseconds)", [
                c.metric_model_latency(statistic="p99", period=_PERIOD, label=key) for key, c in components.items()]),
            self._graph("Refused: no copy (NoCapacityInvocationFailures)", [
                c.metric_no_capacity_invocation_failures(period=_PERIOD, label=key) for key, c in components.items()]),
            self._graph("CPU and memory (% of what the copies reserve)", [
                metric for key, c in components.items() for metric in (
                    c.metric_cpu_utilization_normalized(period=_PERIOD, label=f"{key} CPU"),
                    c.metric_memory_utilization_normalized(period=_PERIOD, label=f"{key} memory"))]),
        )

    def _instances(self, endpoint: Endpoint, settings: EndpointSettings) -> cloudwatch.IWidget:
        if settings.serverless is not None:
            serverless = settings.serverless
            return cloudwatch.TextWidget(
                markdown=(f"### Instances\nServerless: no instances. Up to {serverless.max_concurrency} concurrent "
                          f"invocations of {serverless.memory_size_mb} MB."),
                width=6, height=_GRAPH_HEIGHT)
        in_service, annotations = [], []
        for variant in settings.variants:
            in_service.append(endpoint.metric_cpu_utilization(
                variant.name, statistic="SampleCount", period=Duration.minutes(1),
                label=f"{variant.name} in service"))
            scaling = variant.autoscaling
            if scaling is None:
                annotations.append(cloudwatch.HorizontalAnnotation(
                    value=variant.initial_instance_count, label=f"{variant.name} desired (fixed)"))
            else:
                annotations += [
                    cloudwatch.HorizontalAnnotation(value=scaling.min_capacity, label=f"{variant.name} desired min"),
                    cloudwatch.HorizontalAnnotation(value=scaling.max_capacity, label=f"{variant.name} desired max"),
                ]
        return cloudwatch.GraphWidget(
            title="Instances: in service (reporting each minute) vs desired range",
            left=in_service, left_annotations=annotations, left_y_axis=cloudwatch.YAxisProps(min=0),
            width=6, height=_GRAPH_HEIGHT,
        )

    @staticmethod
    def _async_metric(endpoint: Endpoint, metric_name: str, statistic: str, label: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(namespace="AWS/SageMaker", metric_name=metric_name, statistic=statistic,
                                 dimensions_map={"EndpointName": endpoint.endpoint_name}, period=_PERIOD, label=label)

    # ---------------------------------------------------------------------------------------- batch

    def _batch_row(self, state_machines: Mapping[str, sfn.IStateMachine]) -> None:
        if not state_machines:
            self.dashboard.add_widgets(cloudwatch.TextWidget(
                markdown="## Batch transforms\nNo batch transform schedules in this environment.",
                width=_FULL_WIDTH, height=2))
            return
        outcomes = [
            metric
            for name, machine in state_machines.items()
            for metric in (
                machine.metric_succeeded(period=Duration.hours(1), label=f"{name} succeeded"),
                machine.metric_failed(period=Duration.hours(1), label=f"{name} failed"),
                machine.metric_timed_out(period=Duration.hours(1), label=f"{name} timed out"),
                machine.metric_aborted(period=Duration.hours(1), label=f"{name} aborted"),
            )
        ]
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown="## Batch transforms", width=_FULL_WIDTH, height=1),
            cloudwatch.GraphWidget(title="Batch transform runs (per hour)", left=outcomes, width=_FULL_WIDTH,
                                   height=_GRAPH_HEIGHT, view=cloudwatch.GraphWidgetView.BAR),
        )

    @staticmethod
    def _graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=metrics, width=6, height=_GRAPH_HEIGHT,
                                      left_y_axis=cloudwatch.YAxisProps(min=0))
