"""Endpoint (through the adapter): guardrails, retained variant properties, rollback alarms, invoke grants and metrics."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match

from config.serving import DeploymentSettings
from tests.unit.serving_kit import ENDPOINT_NAME, dumps, make_kit, one_variant, only

TWO_VARIANTS = {"variants": [{"name": "a", "model": "main", "weight": 9}, {"name": "b", "model": "main", "weight": 1}]}


@pytest.fixture
def kit(bare_stack):
    return make_kit(bare_stack)


def endpoint_props(kit) -> dict:
    return only(kit.template().find_resources("AWS::SageMaker::Endpoint"))["Properties"]


def test_endpoint_keeps_autoscaled_counts_and_has_its_stable_name(kit):
    endpoint = kit.endpoint(one_variant())
    props = endpoint_props(kit)
    assert props["RetainAllVariantProperties"] is True
    assert props["EndpointName"] == ENDPOINT_NAME == endpoint.endpoint_name
    assert "Config" in dumps(props["EndpointConfigName"])
    assert endpoint.endpoint.node.id == "Resource"


def test_no_deployment_config_by_default(kit):
    kit.endpoint(one_variant())
    assert "DeploymentConfig" not in endpoint_props(kit)


def test_canary_guardrails_roll_back_on_the_endpoint_alarms(kit):
    endpoint = kit.endpoint({**one_variant(), "deployment": {
        "traffic_routing": "CANARY", "size_type": "CAPACITY_PERCENT", "size_value": 10, "wait_interval_seconds": 600,
        "termination_wait_seconds": 120, "maximum_execution_timeout_seconds": 1800}})
    deployment = endpoint_props(kit)["DeploymentConfig"]
    assert deployment["BlueGreenUpdatePolicy"] == {
        "TrafficRoutingConfiguration": {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                                        "WaitIntervalInSeconds": 600},
        "TerminationWaitInSeconds": 120,
        "MaximumExecutionTimeoutInSeconds": 1800,
    }
    rollback_names = [a["AlarmName"] for a in deployment["AutoRollbackConfiguration"]["Alarms"]]
    alarm_names = sorted(a["Properties"]["AlarmName"] for a in kit.template().find_resources("AWS::CloudWatch::Alarm").values())
    assert sorted(rollback_names) == alarm_names and len(alarm_names) == 2
    assert len(endpoint.rollback_alarms) == 2


def test_linear_guardrails_by_instance_count_without_rollback(kit):
    kit.endpoint({**one_variant(), "deployment": {"traffic_routing": "LINEAR", "size_type": "INSTANCE_COUNT",
                                                  "size_value": 1, "auto_rollback": False}})
    deployment = endpoint_props(kit)["DeploymentConfig"]
    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] == {
        "Type": "LINEAR", "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1}, "WaitIntervalInSeconds": 300}
    assert "AutoRollbackConfiguration" not in deployment


def test_all_at_once_has_no_step_size(kit):
    kit.endpoint({**one_variant(), "deployment": {"traffic_routing": "ALL_AT_ONCE", "wait_interval_seconds": 0}})
    routing = endpoint_props(kit)["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing == {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}


def test_fails_on_instance_count_steps_for_a_serverless_endpoint(kit):
    config = kit.endpoint_config({"serverless": {"model": "main"}})
    from sagemaker_serving_cdk import Endpoint
    from stacks import adapter
    with pytest.raises(ValueError, match="size.type = .INSTANCE_COUNT.: a serverless endpoint has no instances to count; allowed: CAPACITY_PERCENT"):
        Endpoint(kit.stack, "Endpoint", endpoint_name="mlinf-test-ep", endpoint_config=config,
                 health_alarms=adapter.health_alarms(config.settings.alarms, kit.alarm_action),
                 deployment=adapter.deployment(DeploymentSettings(traffic_routing="CANARY", size_type="INSTANCE_COUNT",
                                                                  size_value=1)))


def test_alarms_have_an_action_explicit_missing_data_and_datapoints(kit):
    kit.endpoint({**one_variant(), "alarms": {"errors_5xx_per_minute": 3, "latency_p99_ms": 250,
                                              "evaluation_periods": 4, "datapoints_to_alarm": 2}})
    alarms = {a["Properties"]["AlarmName"].rsplit("-", 1)[1]: a["Properties"]
              for a in kit.template().find_resources("AWS::CloudWatch::Alarm").values()}
    for alarm in alarms.values():
        assert alarm["AlarmActions"], alarm
        assert alarm["TreatMissingData"] == "notBreaching"
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (4, 2)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarms["Errors5xxAlarm"]["Threshold"] == 3
    assert alarms["Errors5xxAlarm"]["MetricName"] == "Invocation5XXErrors"
    assert alarms["LatencyP99Alarm"]["Threshold"] == 250_000  # ModelLatency is in microseconds
    assert alarms["LatencyP99Alarm"]["ExtendedStatistic"] == "p99"
    assert {d["Name"] for d in alarms["LatencyP99Alarm"]["Dimensions"]} == {"EndpointName", "VariantName"}


def test_alarms_cover_every_variant_of_a_multi_variant_endpoint(kit):
    kit.endpoint(TWO_VARIANTS)
    alarms = {a["Properties"]["AlarmName"].rsplit("-", 1)[1]: a["Properties"]
              for a in kit.template().find_resources("AWS::CloudWatch::Alarm").values()}
    errors = alarms["Errors5xxAlarm"]["Metrics"]
    assert next(m["Expression"] for m in errors if "Expression" in m) == "SUM([v0, v1])"
    latency = alarms["LatencyP99Alarm"]["Metrics"]
    assert next(m["Expression"] for m in latency if "Expression" in m) == "MAX([v0, v1])"
    variants = {d["Value"] for m in errors if "MetricStat" in m for d in m["MetricStat"]["Metric"]["Dimensions"]
                if d["Name"] == "VariantName"}
    assert variants == {"a", "b"}


def test_grant_invoke_allows_sync_and_async_invocation_of_this_endpoint_only(kit):
    endpoint = kit.endpoint(one_variant())
    caller = iam.Role(kit.stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    assert endpoint.grant_invoke(caller).success
    kit.template().has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [{
        "Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"], "Effect": "Allow",
        "Resource": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{ENDPOINT_NAME}",
    }]}, "Roles": [{"Ref": Match.string_like_regexp("^Caller")}]})


@pytest.mark.parametrize("helper, namespace, metric_name, statistic", [
    ("metric_invocations", "AWS/SageMaker", "Invocations", "Sum"),
    ("metric_invocations_per_instance", "AWS/SageMaker", "InvocationsPerInstance", "Sum"),
    ("metric_model_latency", "AWS/SageMaker", "ModelLatency", "Average"),
    ("metric_overhead_latency", "AWS/SageMaker", "OverheadLatency", "Average"),
    ("metric_invocation_4xx_errors", "AWS/SageMaker", "Invocation4XXErrors", "Sum"),
    ("metric_invocation_5xx_errors", "AWS/SageMaker", "Invocation5XXErrors", "Sum"),
    ("metric_cpu_utilization", "/aws/sagemaker/Endpoints", "CPUUtilization", "Average"),
    ("metric_memory_utilization", "/aws/sagemaker/Endpoints", "MemoryUtilization", "Average"),
    ("metric_disk_utilization", "/aws/sagemaker/Endpoints", "DiskUtilization", "Average"),
])
def test_metric_helpers(kit, helper, namespace, metric_name, statistic):
    endpoint = kit.endpoint(one_variant())
    metric = getattr(endpoint, helper)()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (namespace, metric_name, statistic)
    assert set(metric.dimensions) == {"EndpointName", "VariantName"}
    assert metric.dimensions["VariantName"] == "primary"


def test_metric_of_a_named_variant(kit):
    endpoint = kit.endpoint(TWO_VARIANTS)
    assert endpoint.metric_invocations("b").dimensions["VariantName"] == "b"


def test_fails_on_a_metric_without_a_variant_when_there_are_several(kit):
    endpoint = kit.endpoint(TWO_VARIANTS)
    with pytest.raises(ValueError, match=r"has variants \['a', 'b'\]; name the one you want a metric of"):
        endpoint.metric_invocations()


def test_fails_on_a_metric_of_an_unknown_variant(kit):
    endpoint = kit.endpoint(one_variant())
    with pytest.raises(ValueError, match=r"has no variant 'ghost'; variants: \['primary'\]"):
        endpoint.metric_model_latency("ghost")


def test_fails_on_an_endpoint_name_sagemaker_rejects(kit):
    with pytest.raises(ValueError, match=r"Test/Endpoint: endpoint_name 'x{64}' has 64 characters; SageMaker allows at most 63"):
        kit.endpoint(one_variant(), endpoint_name="x" * 64)


def test_guarded_rollout_lets_the_execution_role_read_the_rollback_alarms_only(kit):
    kit.endpoint({**one_variant(), "deployment": {"traffic_routing": "ALL_AT_ONCE", "auto_rollback": True}})
    statements = [s for p in kit.template().find_resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Action"] == "cloudwatch:DescribeAlarms"]
    assert statements == [{"Action": "cloudwatch:DescribeAlarms", "Effect": "Allow", "Resource": [
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Test-Endpoint-Errors5xxAlarm",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Test-Endpoint-LatencyP99Alarm"]}]
