"""tools/ops on endpoints that host inference components, against stubbed clients (botocore Stubber: every request and
response is checked against the API model). The emulator (moto 5.2.5) has no model of inference components, so these
paths are stub-tested only: status's components and pending deployment, invoke --component (cold and warm),
traffic copies."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from config import load_environments
from config.environment_values import ENVIRONMENTS
from tools.ops import invoke, names, status, traffic
from tools.ops.aws import OpsError
from tools.ops.components import hosts_components

WHEN = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
ENDPOINT, COMPONENT = "mlinf-staging-shared", "mlinf-staging-shared-candidate"
HOST_CONFIG = {"EndpointConfigName": "cfg", "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/cfg",
               "CreationTime": WHEN, "ProductionVariants": [
                   {"VariantName": "AllTraffic", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}]}


class FakeAws:
    """tools.ops.aws.Aws with one stubbed client per service."""

    def __init__(self):
        self.clients, self.stubs = {}, {}

    def client(self, service):
        if service not in self.clients:
            self.clients[service] = boto3.client(service, region_name="us-east-1", aws_access_key_id="x",
                                                 aws_secret_access_key="x")
            self.stubs[service] = Stubber(self.clients[service])
            self.stubs[service].activate()
        return self.clients[service]

    def stub(self, service) -> Stubber:
        self.client(service)
        return self.stubs[service]

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def endpoint(**fields) -> dict:
    return {"EndpointName": ENDPOINT, "EndpointArn": f"arn:aws:sagemaker:us-east-1:1:endpoint/{ENDPOINT}",
            "EndpointConfigName": "cfg", "EndpointStatus": "Updating", "CreationTime": WHEN, "LastModifiedTime": WHEN,
            **fields}


def component(name=COMPONENT, status="InService", current=1, desired=1, failure=None) -> dict:
    response = {"InferenceComponentName": name, "InferenceComponentArn": f"arn:aws:sagemaker:us-east-1:1:ic/{name}",
                "EndpointName": ENDPOINT, "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/e",
                "CreationTime": WHEN, "LastModifiedTime": WHEN, "InferenceComponentStatus": status,
                "RuntimeConfig": {"CurrentCopyCount": current, "DesiredCopyCount": desired}}
    return {**response, "FailureReason": failure} if failure else response


def expect_describe(aws, description, config=HOST_CONFIG):
    aws.stub("sagemaker").add_response("describe_endpoint", description, {"EndpointName": ENDPOINT})
    aws.stub("sagemaker").add_response("describe_endpoint_config", config, {"EndpointConfigName": "cfg"})


def expect_component(aws, **fields):
    aws.stub("sagemaker").add_response("describe_inference_component", component(**fields),
                                       {"InferenceComponentName": fields.get("name", COMPONENT)})


def expect_list(aws, *names_):
    aws.stub("sagemaker").add_response("list_inference_components", {"InferenceComponents": [{
        "InferenceComponentName": n, "InferenceComponentArn": f"arn:aws:sagemaker:us-east-1:1:ic/{n}",
        "EndpointName": ENDPOINT, "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/e", "VariantName": "AllTraffic",
        "CreationTime": WHEN, "LastModifiedTime": WHEN, "InferenceComponentStatus": "InService"} for n in names_]},
        {"EndpointNameEquals": ENDPOINT})


# --- status ----------------------------------------------------------------------------------------------------


def test_status_shows_variant_status_the_pending_deployment_and_each_component(capsys):
    aws = FakeAws()
    variant = {"VariantName": "AllTraffic", "CurrentWeight": 1.0, "CurrentInstanceCount": 1, "DesiredInstanceCount": 2,
               "VariantStatus": [{"Status": "Baking", "StatusMessage": "batch 1 of 2", "StartTime": WHEN}]}
    expect_describe(aws, endpoint(ProductionVariants=[variant], PendingDeploymentSummary={
        "EndpointConfigName": "cfg-new", "StartTime": WHEN, "ProductionVariants": [{
            "VariantName": "AllTraffic", "DesiredInstanceCount": 1,
            "VariantStatus": [{"Status": "ActivatingTraffic", "StartTime": WHEN}]}]}))
    expect_list(aws, "mlinf-staging-shared-scoring", COMPONENT)
    expect_component(aws, status="Failed", current=0, desired=1, failure="image pull failed")
    expect_component(aws, name="mlinf-staging-shared-scoring", current=2, desired=3)
    aws.stub("cloudwatch").add_response("describe_alarms", {"MetricAlarms": []}, {"AlarmTypes": ["MetricAlarm"]})
    assert status.run(argparse.Namespace(endpoints=[ENDPOINT]), aws) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "Baking since 12:00:00 (batch 1 of 2)" in out
    assert "pending deployment: config cfg-new, started 2026-11-29 12:00:00 UTC" in out
    assert "ActivatingTraffic since 12:00:00" in out
    assert lines[COMPONENT].split()[1:4] == ["Failed", "0", "1"] and lines[COMPONENT].endswith("image pull failed")
    assert lines["mlinf-staging-shared-scoring"].split()[1:4] == ["InService", "2", "3"]
    aws.verify()


def test_status_of_a_variant_endpoint_reads_no_components(capsys):
    aws = FakeAws()
    config = {**HOST_CONFIG, "ProductionVariants": [{**HOST_CONFIG["ProductionVariants"][0], "ModelName": "m"}]}
    expect_describe(aws, endpoint(EndpointStatus="InService", ProductionVariants=[{"VariantName": "AllTraffic"}]),
                    config)
    aws.stub("cloudwatch").add_response("describe_alarms", {"MetricAlarms": []}, {"AlarmTypes": ["MetricAlarm"]})
    assert status.run(argparse.Namespace(endpoints=[ENDPOINT]), aws) == 0
    out = capsys.readouterr().out
    assert "pending deployment" not in out and "component" not in out
    aws.verify()  # no list_inference_components was stubbed: none was called


@pytest.mark.parametrize("variants, hosts", [
    ([{"VariantName": "a", "InstanceType": "ml.m5.large"}], True),
    ([{"VariantName": "a", "InstanceType": "ml.m5.large", "ModelName": "m"}], False),
    ([{"VariantName": "a", "ModelName": "m", "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 1}}], False),
    ([], False),
])
def test_a_component_host_is_a_variant_without_a_model(variants, hosts):
    assert hosts_components({"ProductionVariants": variants}) is hosts


# --- invoke --component ------------------------------------------------------------------------------------


def invoke_args(tmp_path, **fields) -> argparse.Namespace:
    body = tmp_path / "body.csv"
    body.write_text("1,2,3")
    return argparse.Namespace(**{"endpoint": ENDPOINT, "body": str(body), "content_type": "text/csv", "accept": None,
                                 "target_variant": None, "target_model": None, "component": COMPONENT,
                                 "output": str(tmp_path / "out"), "input_location": None, "stage": None, **fields})


def expect_invoke(aws, response=None, error=None):
    params = {"EndpointName": ENDPOINT, "Body": ANY, "ContentType": "text/csv", "InferenceComponentName": COMPONENT}
    if error:
        aws.stub("sagemaker-runtime").add_client_error("invoke_endpoint", service_error_code=error[0],
                                                       service_message=error[1], http_status_code=400,
                                                       expected_params=params)
    else:
        aws.stub("sagemaker-runtime").add_response("invoke_endpoint", response, params)


def test_invoke_a_component_passes_its_name_and_reports_copies_and_latency(tmp_path, capsys):
    aws = FakeAws()
    expect_describe(aws, endpoint())
    expect_component(aws, current=2, desired=2)
    expect_invoke(aws, {"Body": _body(b'{"predictions": [1]}'), "ContentType": "application/json"})
    assert invoke.run(invoke_args(tmp_path), aws) == 0
    assert (tmp_path / "out").read_bytes() == b'{"predictions": [1]}'
    err = capsys.readouterr().err
    assert f"component: {COMPONENT} (2 copies)  latency: " in err and " ms  content type: application/json" in err
    aws.verify()


def test_invoke_a_component_at_zero_copies_reports_the_cold_request_as_sagemaker_answered(tmp_path, capsys):
    aws = FakeAws()
    expect_describe(aws, endpoint())
    expect_component(aws, current=0, desired=0)
    expect_invoke(aws, error=("ValidationError", "Inference Component has no capacity to process this request."))
    assert invoke.run(invoke_args(tmp_path), aws) == invoke.COLD_EXIT_CODE
    err = capsys.readouterr().err
    assert err.startswith(f"cold: {COMPONENT} had 0 copies (desired 0); SageMaker answered ValidationError: "
                          "Inference Component has no capacity to process this request. after ")
    assert "NoCapacityInvocationFailures" in err and not (tmp_path / "out").exists()
    aws.verify()


def test_invoke_a_warm_component_that_fails_raises_the_error(tmp_path):
    aws = FakeAws()
    expect_describe(aws, endpoint())
    expect_component(aws, current=1)
    expect_invoke(aws, error=("ModelError", "boom"))
    with pytest.raises(Exception, match="ModelError"):
        invoke.run(invoke_args(tmp_path), aws)


def test_invoke_a_component_host_without_a_component_names_its_components(tmp_path):
    aws = FakeAws()
    expect_describe(aws, endpoint())
    expect_list(aws, COMPONENT)
    expect_component(aws)
    with pytest.raises(OpsError, match=f"{ENDPOINT} hosts inference components: pass --component NAME "
                                       f"\\(its components: {COMPONENT}\\)"):
        invoke.run(invoke_args(tmp_path, component=None), aws)


def test_invoke_a_component_fails_with_target_model(tmp_path):
    aws = FakeAws()
    expect_describe(aws, endpoint())
    with pytest.raises(OpsError, match="--target-model and --target-variant do not apply with --component"):
        invoke.run(invoke_args(tmp_path, target_model="m.tar.gz"), aws)


def _body(data: bytes):
    from botocore.response import StreamingBody
    import io
    return StreamingBody(io.BytesIO(data), len(data))


# --- traffic copies ----------------------------------------------------------------------------------------


def copies_args(copies: int) -> argparse.Namespace:
    return argparse.Namespace(endpoint=ENDPOINT, component=COMPONENT, copies=copies, timeout=60)


def expect_bounds(aws, bounds):
    targets = [] if bounds is None else [{
        "ServiceNamespace": "sagemaker", "ResourceId": f"inference-component/{COMPONENT}",
        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount", "MinCapacity": bounds[0],
        "MaxCapacity": bounds[1], "RoleARN": "arn:aws:iam::1:role/r", "CreationTime": WHEN}]
    aws.stub("application-autoscaling").add_response("describe_scalable_targets", {"ScalableTargets": targets}, {
        "ServiceNamespace": "sagemaker", "ResourceIds": [f"inference-component/{COMPONENT}"],
        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount"})


def test_traffic_copies_sets_the_count_and_waits_until_that_many_run(capsys):
    aws = FakeAws()
    expect_component(aws, current=0, desired=0)
    expect_bounds(aws, (0, 2))
    aws.stub("sagemaker").add_response("update_inference_component_runtime_config", {
        "InferenceComponentArn": "arn:aws:sagemaker:us-east-1:1:ic/c"},
        {"InferenceComponentName": COMPONENT, "DesiredRuntimeConfig": {"CopyCount": 2}})
    expect_component(aws, status="Updating", current=1, desired=2)
    expect_component(aws, current=2, desired=2)
    slept = []
    assert traffic.run_copies(copies_args(2), aws, sleep=slept.append) == 0
    out = capsys.readouterr().out
    assert f"{COMPONENT}: 0 -> 2 copies (autoscaling 0-2 may change it again)" in out
    assert out.rstrip().endswith(f"{COMPONENT}: InService, 2 copies") and len(slept) == 1
    aws.verify()


def test_traffic_copies_fails_outside_the_autoscaling_bounds():
    aws = FakeAws()
    expect_component(aws)
    expect_bounds(aws, (1, 3))
    with pytest.raises(OpsError, match="--copies 5 is outside .*'s copy-count autoscaling bounds \\(1-3\\)"):
        traffic.run_copies(copies_args(5), aws)


def test_traffic_copies_fails_when_the_component_fails():
    aws = FakeAws()
    expect_component(aws)
    expect_bounds(aws, None)
    aws.stub("sagemaker").add_response("update_inference_component_runtime_config", {
        "InferenceComponentArn": "arn:aws:sagemaker:us-east-1:1:ic/c"},
        {"InferenceComponentName": COMPONENT, "DesiredRuntimeConfig": {"CopyCount": 3}})
    expect_component(aws, status="Failed", failure="insufficient capacity")
    with pytest.raises(OpsError, match=f"inference component {COMPONENT} failed: insufficient capacity"):
        traffic.run_copies(copies_args(3), aws, sleep=lambda _: None)


def test_traffic_copies_fails_on_a_negative_count():
    with pytest.raises(OpsError, match="--copies -1: a component runs 0 or more copies"):
        traffic.run_copies(copies_args(-1), FakeAws())


def test_traffic_show_lists_a_hosts_components_and_their_copies(capsys):
    aws = FakeAws()
    expect_describe(aws, endpoint(EndpointStatus="InService", ProductionVariants=[{
        "VariantName": "AllTraffic", "CurrentWeight": 1.0, "CurrentInstanceCount": 1, "DesiredInstanceCount": 1}]))
    expect_list(aws, COMPONENT)
    expect_component(aws, current=0, desired=1, status="Updating")
    assert traffic.run_show(argparse.Namespace(endpoint=ENDPOINT), aws) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(COMPONENT))
    assert row.split()[1:4] == ["Updating", "0", "1"]
    aws.verify()


def test_traffic_copies_parses_from_the_command_line():
    from tools.ops.__main__ import build_parser
    args = build_parser().parse_args(["traffic", "copies", "shared", "--component", "candidate", "--copies", "0"])
    assert (args.endpoint, args.component, args.copies, args.handler) == ("shared", "candidate", 0, traffic.run_copies)


# --- names ---------------------------------------------------------------------------------------------------


def host_environments():
    return [(env, name, e) for env in load_environments(ENVIRONMENTS)
            for name, e in env.serving.endpoints.items() if e.components]


@pytest.mark.parametrize("env, endpoint_key, settings", host_environments())
def test_a_component_is_named_by_its_config_key_or_its_physical_name(env, endpoint_key, settings):
    physical_endpoint = env.endpoint_name(endpoint_key)
    for key in settings.components:
        physical = env.inference_component_name(endpoint_key, key)
        assert names.component(key, physical_endpoint, env) == physical
        assert names.component(physical, physical_endpoint, env) == physical
    with pytest.raises(OpsError, match=f"{env.name}: no component 'ghost' in serving.endpoints.{endpoint_key}.components"):
        names.component("ghost", physical_endpoint, env)
    assert names.component("anything", physical_endpoint, None) == "anything"
