"""InferenceDashboard in isolation and the dashboard of every real environment."""

from __future__ import annotations

import copy
import json

import pytest
from aws_cdk import Stack, aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from config import ENVIRONMENTS, load_environments
from config.monitoring import EndpointAlarmThresholds
from stacks.dashboard import InferenceDashboard
from sagemaker_serving_cdk import EndpointAlarms
from stacks import adapter
from stacks.application import build_app
from tests.unit.serving_kit import make_kit

from tests.environments import STAGE_IDS as STAGES


def body_of(template: dict | Template) -> dict:
    """The dashboard body with tokens (endpoint names, ARNs) replaced by a marker, parsed as JSON."""
    if isinstance(template, Template):
        template = template.to_json()
    dashboards = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    assert len(dashboards) == 1
    parts = dashboards[0]["Properties"]["DashboardBody"]
    if isinstance(parts, dict):
        parts = parts["Fn::Join"][1]
    else:
        parts = [parts]
    return json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))


def widgets(body: dict, kind: str) -> list[dict]:
    return [w for w in body["widgets"] if w["type"] == kind]


def metric_names(widget: dict) -> list[str]:
    return [m[1] for m in widget["properties"]["metrics"] if isinstance(m[0], str) and not m[0].startswith("{")]


def build(stack: Stack, settings: dict, **props) -> dict:
    kit = make_kit(stack)
    endpoint = kit.endpoint(settings)
    alarms = EndpointAlarms(stack, "EndpointAlarms", endpoint=endpoint, thresholds=adapter.endpoint_alarm_thresholds(EndpointAlarmThresholds()),
                            action=kit.alarm_action, name_prefix="t")
    InferenceDashboard(stack, "Dashboard", dashboard_name="mlinf-test-inference", title="Test",
                       endpoints={"realtime": endpoint}, settings={"realtime": endpoint.endpoint_config.settings}, alarms=alarms.all_alarms, **props)
    return body_of(Template.from_stack(stack))


def titled(body: dict, prefix: str) -> dict:
    found = [w for w in widgets(body, "metric") if w["properties"].get("title", "").startswith(prefix)]
    assert len(found) == 1, [w["properties"].get("title") for w in widgets(body, "metric")]
    return found[0]


def test_named_dashboard_with_alarm_status_first(bare_stack):
    body = build(bare_stack, {"variants": [{"name": "primary", "model": "main"}]})
    Template.from_stack(bare_stack).has_resource_properties("AWS::CloudWatch::Dashboard",
                                                            {"DashboardName": "mlinf-test-inference"})
    status = widgets(body, "alarm")
    assert len(status) == 1 and status[0]["y"] < min(w["y"] for w in widgets(body, "metric"))
    assert len(status[0]["properties"]["alarms"]) == 2 + 11  # rollback alarms + the per-variant ones


def test_invocations_latency_errors_and_instances_per_variant(bare_stack):
    body = build(bare_stack, {"variants": [
        {"name": "a", "model": "main", "autoscaling": {"min_capacity": 1, "max_capacity": 4}},
        {"name": "b", "model": "main", "initial_instance_count": 2}]})
    assert metric_names(titled(body, "Invocations")) == ["Invocations", "Invocations"]
    latency = titled(body, "Latency")["properties"]["metrics"]
    stats = sorted((m[1], m[-1]["stat"]) for m in latency)
    assert stats == sorted([("ModelLatency", p) for p in ("p50", "p90", "p99") for _ in "ab"]
                           + [("OverheadLatency", "p99")] * 2)
    assert sorted(metric_names(titled(body, "Errors"))) == ["Invocation4XXErrors"] * 2 + ["Invocation5XXErrors"] * 2
    instances = titled(body, "Instances")["properties"]
    assert [(m[1], m[-1]["stat"]) for m in instances["metrics"]] == [("CPUUtilization", "SampleCount")] * 2
    assert sorted((a["label"], a["value"]) for a in instances["annotations"]["horizontal"]) == [
        ("a desired max", 4), ("a desired min", 1), ("b desired (fixed)", 2)]


def test_async_endpoint_shows_its_queue(bare_stack):
    body = build(bare_stack, {"variants": [{"name": "primary", "model": "main",
                                            "autoscaling": {"min_capacity": 0, "max_capacity": 2}}],
                              "async_inference": {}})
    assert metric_names(titled(body, "Queue")) == ["ApproximateBacklogSize", "HasBacklogWithoutCapacity"]
    assert not [w for w in widgets(body, "metric") if w["properties"].get("title", "").startswith("Invocations")]


def test_batch_outcomes_per_state_machine(bare_stack):
    machine = sfn.StateMachine.from_state_machine_name(bare_stack, "Nightly", "mlinf-test-nightly")
    body = build(bare_stack, {"variants": [{"name": "primary", "model": "main"}]}, state_machines={"nightly": machine})
    runs = titled(body, "Batch transform runs")["properties"]
    assert sorted(m[1] for m in runs["metrics"]) == sorted(
        ["ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])


def test_without_batch_the_dashboard_says_so(bare_stack):
    body = build(bare_stack, {"variants": [{"name": "primary", "model": "main"}]})
    assert any("No batch transform schedules" in w["properties"]["markdown"] for w in widgets(body, "text"))


@pytest.mark.parametrize("stage", STAGES)
def test_every_environment_has_a_dashboard_of_its_endpoints(synthesized, stage):
    config = synthesized.stages[stage].config
    template = synthesized.templates()[f"{stage}/Serving"]
    Template.from_json(template).has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardName": f"{config.name_prefix}-inference"})
    body = body_of(template)
    headings = " ".join(w["properties"]["markdown"] for w in widgets(body, "text"))
    for name in config.serving.endpoints:
        assert f"Endpoint `{name}`" in headings
    assert len(widgets(body, "alarm")) == 1


def test_dashboard_can_be_switched_off_in_config(tmp_path):
    raw = copy.deepcopy(next(env for env in ENVIRONMENTS if env["name"] == "dev"))
    raw["monitoring"]["dashboard"] = False
    _, stages = build_app(load_environments([raw]), outdir=str(tmp_path), compliance_checks=False)
    serving = stages[0].serving
    Template.from_stack(serving).resource_count_is("AWS::CloudWatch::Dashboard", 0)
    assert not hasattr(serving, "dashboard")
