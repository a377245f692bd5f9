"""EndpointAlarms per endpoint kind, and the alarms of every real environment."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from config.monitoring import EndpointAlarmThresholds
from sagemaker_serving_cdk import Endpoint, HealthAlarms
from sagemaker_serving_cdk.alarms import EndpointAlarms
from stacks import adapter
from tests.unit.serving_kit import make_kit, one_variant

from tests.environments import BY_STAGE, STAGE_IDS as STAGES, stages_where


def build(bare_stack, settings: dict, thresholds: EndpointAlarmThresholds = EndpointAlarmThresholds()):
    kit = make_kit(bare_stack)
    endpoint = kit.endpoint(settings)
    alarms = EndpointAlarms(bare_stack, "EndpointAlarms", endpoint=endpoint, thresholds=adapter.endpoint_alarm_thresholds(thresholds),
                            action=kit.alarm_action, name_prefix="mlinf-test-ep")
    return alarms, Template.from_stack(bare_stack)


def alarm_names(template: Template) -> set[str]:
    return {r["Properties"]["AlarmName"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()}


def alarm_named(template: Template, name: str) -> dict:
    found = [r["Properties"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()
             if r["Properties"]["AlarmName"] == name]
    assert len(found) == 1, name
    return found[0]


def test_real_time_variant_gets_every_instance_and_invocation_alarm(bare_stack):
    _, template = build(bare_stack, one_variant(instance_type="ml.m5.xlarge"))
    prefix = "mlinf-test-ep-primary-"
    assert alarm_names(template) - {n for n in alarm_names(template) if "Endpoint" in n} == {
        prefix + kind for kind in (
            "5xx-warning", "model-latency-p99-warning", "invocations-warning", "4xx-rate-warning", "4xx-rate-critical",
            "overhead-latency-p99-warning", "overhead-latency-p99-critical", "cpu-warning", "cpu-critical",
            "memory-warning", "memory-critical")}


def test_the_rollback_alarms_are_reused_with_an_ok_action_not_duplicated(bare_stack):
    alarms, template = build(bare_stack, one_variant())
    assert alarms.rollback_alarms == alarms.endpoint.rollback_alarms
    rollback = [r["Properties"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()
                if r["Properties"]["AlarmName"].endswith(("Errors5xxAlarm", "LatencyP99Alarm"))]
    assert len(rollback) == 2
    for props in rollback:
        assert props["OKActions"] == props["AlarmActions"] and props["AlarmActions"]
    # No critical 5XX or model-latency twin of the rollback alarms.
    assert not {n for n in alarm_names(template) if n.endswith(("5xx-critical", "model-latency-p99-critical"))}
    assert len(alarms.all_alarms) == len(alarms.alarms) + 2


def test_every_alarm_is_explicit_and_notifies_on_alarm_and_ok(bare_stack):
    _, template = build(bare_stack, one_variant())
    for props in (r["Properties"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()):
        assert props["TreatMissingData"] in {"notBreaching", "breaching", "missing", "ignore"}, props
        assert props["DatapointsToAlarm"] >= 1, props
        assert len(props["AlarmActions"]) == 1 and props["AlarmActions"][0]["Ref"].startswith("Alarms"), props
        assert props["OKActions"] == props["AlarmActions"], props


def test_thresholds_follow_config_in_the_metric_units(bare_stack):
    thresholds = EndpointAlarmThresholds.model_validate({
        "invocations_per_period": {"warning": 1000, "critical": 4000, "period_minutes": 5},
        "overhead_latency_p99_ms": {"warning": 80, "critical": 400},
        "cpu_utilization_percent": {"warning": 70, "critical": 90, "evaluation_periods": 5, "datapoints_to_alarm": 4},
    })
    _, template = build(bare_stack, one_variant(instance_type="ml.m5.xlarge"), thresholds)
    spike = alarm_named(template, "mlinf-test-ep-primary-invocations-critical")
    assert (spike["MetricName"], spike["Statistic"], spike["Period"], spike["Threshold"]) == ("Invocations", "Sum", 300, 4000)
    assert spike["TreatMissingData"] == "notBreaching"
    overhead = alarm_named(template, "mlinf-test-ep-primary-overhead-latency-p99-warning")
    assert (overhead["MetricName"], overhead["ExtendedStatistic"], overhead["Threshold"]) == ("OverheadLatency", "p99", 80_000)
    cpu = alarm_named(template, "mlinf-test-ep-primary-cpu-critical")
    assert cpu["Threshold"] == 90 and (cpu["EvaluationPeriods"], cpu["DatapointsToAlarm"]) == (5, 4)
    expression = next(m for m in cpu["Metrics"] if "Expression" in m)
    assert expression["Expression"] == "cpu / 4"  # ml.m5.xlarge: 4 vCPUs, so 90 means 90% of the instance
    raw = next(m for m in cpu["Metrics"] if m["Id"] == "cpu")["MetricStat"]
    assert (raw["Metric"]["Namespace"], raw["Metric"]["MetricName"], raw["Period"]) == (
        "/aws/sagemaker/Endpoints", "CPUUtilization", 300)


def test_4xx_rate_is_metric_math_over_invocations(bare_stack):
    _, template = build(bare_stack, one_variant())
    rate = alarm_named(template, "mlinf-test-ep-primary-4xx-rate-critical")
    expression = next(m for m in rate["Metrics"] if "Expression" in m)
    assert expression["Expression"] == "IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)"
    names = {m["Id"]: m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m}
    assert names == {"errors": "Invocation4XXErrors", "invocations": "Invocations"}
    assert rate["Threshold"] == 25


def test_dead_traffic_alarm_treats_missing_data_as_breaching(bare_stack):
    thresholds = EndpointAlarmThresholds.model_validate(
        {"no_invocations": {"periods": 4, "period_minutes": 15, "severity": "critical"}})
    _, template = build(bare_stack, one_variant(), thresholds)
    dead = alarm_named(template, "mlinf-test-ep-primary-no-invocations-critical")
    assert (dead["ComparisonOperator"], dead["Threshold"], dead["TreatMissingData"]) == ("LessThanThreshold", 1, "breaching")
    assert (dead["Period"], dead["EvaluationPeriods"], dead["DatapointsToAlarm"]) == (900, 4, 4)


def test_no_dead_traffic_alarm_unless_configured(bare_stack):
    _, template = build(bare_stack, one_variant())
    assert not {n for n in alarm_names(template) if "no-invocations" in n}


def test_async_endpoint_alarms_on_its_queue_not_on_invocations(bare_stack):
    settings = {"variants": [{"name": "primary", "model": "main",
                              "autoscaling": {"min_capacity": 0, "max_capacity": 2}}],
                "async_inference": {}}
    _, template = build(bare_stack, settings)
    names = alarm_names(template)
    assert {"mlinf-test-ep-backlog-warning", "mlinf-test-ep-backlog-critical",
            "mlinf-test-ep-oldest-request-age-warning", "mlinf-test-ep-oldest-request-age-critical"} <= names
    assert not {n for n in names if any(k in n for k in ("invocations", "4xx", "overhead"))}
    age = alarm_named(template, "mlinf-test-ep-oldest-request-age-critical")
    assert (age["MetricName"], age["Statistic"], age["Threshold"]) == ("ApproximateAgeOfOldestRequest", "Maximum", 900)
    assert [d["Name"] for d in age["Dimensions"]] == ["EndpointName"]


def test_serverless_endpoint_alarms_on_cold_starts_not_on_instances(bare_stack):
    settings = {"serverless": {"model": "main", "memory_size_mb": 2048}}
    kit = make_kit(bare_stack)
    model = kit.model("MainModel", network_isolation=False)
    config = kit.endpoint_config(settings, models={"main": model})
    endpoint = Endpoint(bare_stack, "Endpoint", endpoint_name="mlinf-test-ep", endpoint_config=config,
                        health_alarms=HealthAlarms(action=kit.alarm_action))
    EndpointAlarms(bare_stack, "EndpointAlarms", endpoint=endpoint, thresholds=adapter.endpoint_alarm_thresholds(EndpointAlarmThresholds()),
                   action=kit.alarm_action, name_prefix="mlinf-test-ep")
    template = Template.from_stack(bare_stack)
    names = alarm_names(template)
    setup = alarm_named(template, "mlinf-test-ep-AllTraffic-model-setup-time-critical")
    assert (setup["MetricName"], setup["Statistic"], setup["Threshold"]) == ("ModelSetupTime", "Maximum", 20_000_000)
    assert not {n for n in names if "cpu" in n or "memory" in n}


def test_an_alarm_kind_without_thresholds_is_left_out(bare_stack):
    thresholds = EndpointAlarmThresholds.model_validate({"memory_utilization_percent": {}})
    _, template = build(bare_stack, one_variant(), thresholds)
    assert not {n for n in alarm_names(template) if "memory" in n}


def test_every_variant_of_a_multi_variant_endpoint_is_covered(bare_stack):
    settings = {"variants": [{"name": "a", "model": "main"}, {"name": "b", "model": "main", "weight": 0.5}]}
    _, template = build(bare_stack, settings)
    names = alarm_names(template)
    for variant in ("a", "b"):
        assert f"mlinf-test-ep-{variant}-5xx-warning" in names and f"mlinf-test-ep-{variant}-cpu-critical" in names


# ------------------------------------------------------------------------------------------- real environments

@pytest.mark.parametrize("stage", STAGES)
def test_every_endpoint_has_error_and_latency_alarms_with_actions(synthesized, stage):
    serving = synthesized.stages[stage].serving
    assert serving.endpoints, stage
    for name, endpoint in serving.endpoints.items():
        alarms = serving.endpoint_alarms[name]
        found = {a.node.path for a in alarms.alarms}
        components = serving.components[name]
        if components:  # a component host: its traffic, and so its alarms, are per component
            for key, component in components.items():
                assert any(p.endswith(f"{component.node.id}/Errors5xx/Warning") for p in found), (stage, name, key)
                assert any(p.endswith(f"{component.node.id}/ModelLatencyP99/Warning") for p in found), (stage, name, key)
                assert any(p.endswith(f"{component.node.id}/NoCapacityFailures/Warning") for p in found), (stage, name, key)
                assert set(component.health_alarms) <= set(alarms.all_alarms) and len(component.health_alarms) == 2
            continue
        for variant in endpoint.variant_names:
            assert any(p.endswith(f"{variant}/Errors5xx/Warning") for p in found), (stage, name, variant)
            assert any(p.endswith(f"{variant}/ModelLatencyP99/Warning") for p in found), (stage, name, variant)
        assert endpoint.errors_alarm in alarms.all_alarms and endpoint.latency_alarm in alarms.all_alarms


@pytest.mark.parametrize("stage", STAGES)
def test_every_serving_alarm_notifies_the_data_stack_topic_on_alarm_and_ok(synthesized, stage):
    template = synthesized.templates()[f"{stage}/Serving"]
    alarms = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    topic_import = {"Fn::ImportValue": f"{synthesized.stages[stage].config.name_prefix}-AlarmTopicArn"}
    notifying = [a for a in alarms if topic_import in a.get("AlarmActions", [])]
    # The only other alarms are autoscaling's scale-from-zero alarms (one per variant or component that can scale
    # to zero), whose action is a scaling policy.
    endpoints = BY_STAGE[stage].serving.endpoints.values()
    from_zero = sum(1 for endpoint in endpoints for variant in endpoint.variants
                    if variant.autoscaling is not None and variant.autoscaling.min_capacity == 0)
    from_zero += sum(1 for endpoint in endpoints for component in endpoint.components.values()
                     if component.scales_to_zero)
    assert len(alarms) - len(notifying) == from_zero
    for alarm in notifying:
        assert alarm["OKActions"] == [topic_import], alarm["AlarmName"]


@pytest.mark.parametrize("stage", stages_where(lambda env: env.monitoring.endpoint_alarms.no_invocations is not None))
def test_dead_traffic_alarms_breach_on_missing_data_at_the_configured_severity(synthesized, stage):
    env = BY_STAGE[stage]
    severity = env.monitoring.endpoint_alarms.no_invocations.severity
    template = Template.from_json(synthesized.templates()[f"{stage}/Serving"])
    for name, endpoint in env.serving.endpoints.items():
        if endpoint.async_inference is not None:
            continue  # async endpoints publish no Invocations
        for variant in endpoint.variants:
            template.has_resource_properties("AWS::CloudWatch::Alarm", {
                "AlarmName": f"{env.name_prefix}-{name}-{variant.name}-no-invocations-{severity}",
                "TreatMissingData": "breaching"})
