"""tools/smoke_test.py against stubbed AWS clients (botocore Stubber): no network, no credentials.

The probes follow the configured environments: every endpoint is called the way its kind requires
(ARCHITECTURE 6.11: real-time InvokeEndpoint is rejected on async endpoints, multi-model needs TargetModel).
"""

from __future__ import annotations

import copy
import io
from contextlib import ExitStack

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from config import ENVIRONMENTS, load_environments
from tools import smoke_test

ENVIRONMENT_NAMES = [env["name"] for env in ENVIRONMENTS]
INPUT_BUCKET = "staging-input-bucket"


def configured(name: str):
    return next(env for env in load_environments(ENVIRONMENTS) if env.name == name)


def with_serving(name: str, serving: dict):
    raw = copy.deepcopy(list(ENVIRONMENTS))
    next(env for env in raw if env["name"] == name)["serving"] = serving
    return next(env for env in load_environments(raw) if env.name == name)


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


class FakeSession:
    """Hands out the stubbed clients run() asks for; a client it was not given is a test failure."""

    def __init__(self, clients):
        self.clients = clients

    def client(self, name, endpoint_url=None):
        return self.clients[name]


@pytest.fixture
def stubbed():
    def make(region: str):
        names = ("cloudformation", "sagemaker", "sagemaker-runtime", "s3")
        clients = {name: boto3.client(name, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
                   for name in names}
        return clients, {name: Stubber(client) for name, client in clients.items()}

    with ExitStack() as stack:
        made = []

        def factory(region: str = "us-east-1"):
            clients, stubs = make(region)
            for stub in stubs.values():
                stack.enter_context(stub)
            made.append(stubs)
            return FakeSession(clients), stubs

        yield factory
        for stubs in made:
            for stub in stubs.values():
                stub.assert_no_pending_responses()


def expect_probe(stubs, config, probe, *, async_outcome: str = "output"):
    """Queue exactly the calls the probe's kind needs, with the configured request."""
    request = probe.request
    if probe.kind != "async":
        params = {"EndpointName": probe.name, "ContentType": request.content_type, "Body": request.body.encode()}
        if request.accept:
            params["Accept"] = request.accept
        if probe.kind == "multi-model":
            params["TargetModel"] = request.target_model
        if probe.kind == "component":  # a running copy (waking one from zero: test_smoke_test_components.py)
            params["InferenceComponentName"] = probe.component
            stubs["sagemaker"].add_response("describe_inference_component", {
                "InferenceComponentName": probe.component, "InferenceComponentArn": "arn:aws:sagemaker:r:1:x/y",
                "EndpointName": probe.name, "EndpointArn": "arn:aws:sagemaker:r:1:endpoint/y",
                "CreationTime": "2026-11-29T00:00:00Z", "LastModifiedTime": "2026-11-29T00:00:00Z",
                "InferenceComponentStatus": "InService", "RuntimeConfig": {"CurrentCopyCount": 1, "DesiredCopyCount": 1}},
                {"InferenceComponentName": probe.component})
        stubs["sagemaker-runtime"].add_response("invoke_endpoint", {"Body": body(b'{"predictions": [0]}')}, params)
        return
    stubs["s3"].add_response("put_object", {}, {"Bucket": INPUT_BUCKET, "Key": ANY, "Body": request.body.encode(),
                                                "ContentType": request.content_type})
    params = {"EndpointName": probe.name, "InputLocation": ANY, "ContentType": request.content_type,
              "InferenceId": ANY}
    if request.accept:
        params["Accept"] = request.accept
    stubs["sagemaker-runtime"].add_response("invoke_endpoint_async", {
        "InferenceId": "i", "OutputLocation": "s3://out/async/x/output/i.out",
        "FailureLocation": "s3://out/async/x/failures/i-error.out"}, params)
    if async_outcome == "output":
        expect_listing(stubs, "async/x/output/i.out", present=True)
        stubs["s3"].add_response("get_object", {"Body": body(b'{"predictions": [1]}')},
                                 {"Bucket": "out", "Key": "async/x/output/i.out"})
    else:
        expect_listing(stubs, "async/x/output/i.out", present=False)
        expect_listing(stubs, "async/x/failures/i-error.out", present=True)
        stubs["s3"].add_response("get_object", {"Body": body(b"Received client error (400): 3 features, expected 30")},
                                 {"Bucket": "out", "Key": "async/x/failures/i-error.out"})


def expect_listing(stubs, key: str, *, present: bool, bucket: str = "out"):
    stubs["s3"].add_response("list_objects_v2", {"Contents": [{"Key": key}]} if present else {"KeyCount": 0},
                             {"Bucket": bucket, "Prefix": key, "MaxKeys": 1})


def expect_data_outputs(stubs, config):
    stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [{
        "StackName": f"{config.stage_id}-Data", "CreationTime": "2024-01-01T00:00:00Z", "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "InputBucketName", "OutputValue": INPUT_BUCKET}]}]},
        {"StackName": f"{config.stage_id}-Data"})


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_every_endpoint_is_called_by_its_stable_name_the_way_its_kind_requires(name, stubbed, capsys):
    config = configured(name)
    session, stubs = stubbed(config.region)
    probes = smoke_test.probes_for(config)
    endpoints = config.serving.endpoints
    # One probe per endpoint, or per component of a component host (`<endpoint>/<component>`).
    assert [p.endpoint for p in probes] == [f"{name}/{key}" if e.component_host else name
                                           for name, e in endpoints.items() for key in (e.components or [None])]
    if any(p.kind == "async" for p in probes):
        expect_data_outputs(stubs, config)
    for probe in probes:
        endpoint = probe.endpoint.split("/")[0]
        assert probe.name == f"{config.name_prefix}-{endpoint}"
        settings = endpoints[endpoint]
        assert (probe.kind == "component") == (settings.component_host is not None)
        assert (probe.kind == "async") == (settings.async_inference is not None)
        assert (probe.kind == "multi-model") == config.serving.serves_multi_model(endpoint)
        expect_probe(stubs, config, probe)
    assert smoke_test.main(["--stage", config.stage_id], session=session, sleep=lambda s: None) == 0
    out = capsys.readouterr().out
    assert f"{config.stage_id}: {len(probes)} endpoint(s) answered" in out


def test_an_async_endpoint_waits_for_its_result_and_fails_on_the_failure_object(stubbed, capsys):
    config = with_serving("staging", {"models": {"main": {"smoke_request": {"content_type": "text/csv", "body": "1,2,3"}}},
                                      "endpoints": {"queue": {"variants": [{"name": "a", "model": "main"}],
                                                              "async_inference": {}}}})
    session, stubs = stubbed(config.region)
    expect_data_outputs(stubs, config)
    probe = smoke_test.probes_for(config)[0]
    assert probe.async_input_prefix == "async/queue/input/"
    expect_probe(stubs, config, probe, async_outcome="failure")
    assert smoke_test.main(["--stage", "staging"], session=session, environments=[config], sleep=lambda s: None) == 1
    captured = capsys.readouterr()
    assert "FAIL queue (mlinf-staging-queue, async): s3://out/async/x/failures/i-error.out: Received client error" in captured.out
    assert "error: staging: 1 of 1 endpoint(s) failed" in captured.err


def test_the_async_wait_is_bounded(stubbed):
    config = with_serving("staging", {"models": {"main": {"smoke_request": {"content_type": "text/csv", "body": "1"}}},
                                      "endpoints": {"queue": {"variants": [{"name": "a", "model": "main"}],
                                                              "async_inference": {}}}})
    session, stubs = stubbed(config.region)
    probe = smoke_test.probes_for(config)[0]
    stubs["s3"].add_response("put_object", {}, None)
    stubs["sagemaker-runtime"].add_response("invoke_endpoint_async", {
        "InferenceId": "i", "OutputLocation": "s3://out/o.out", "FailureLocation": "s3://out/f.out"}, None)
    now = [0.0]
    for _ in range(3):  # three polls of both objects, 5 s apart, then the 10 s deadline has passed
        expect_listing(stubs, "o.out", present=False)
        expect_listing(stubs, "f.out", present=False)

    def sleep(seconds):
        now[0] += seconds

    result = smoke_test.invoke_async(session.client("sagemaker-runtime"), session.client("s3"), probe,
                                     input_bucket=INPUT_BUCKET, timeout=10, sleep=sleep, clock=lambda: now[0])
    assert not result.ok and result.detail == "neither s3://out/o.out nor s3://out/f.out appeared within 10 s"


def test_fails_when_an_endpoint_errors(stubbed, capsys):
    config = configured("dev")
    session, stubs = stubbed(config.region)
    stubs["sagemaker-runtime"].add_client_error(
        "invoke_endpoint", service_error_code="ModelError", http_status_code=424,
        service_message="Received client error (400) from primary: feature count 3, expected 30")
    assert smoke_test.main(["--stage", "Dev"], session=session) == 1
    captured = capsys.readouterr()
    assert "FAIL realtime (mlinf-dev-realtime, serverless): An error occurred (ModelError)" in captured.out
    assert "expected 30" in captured.out


def test_fails_naming_the_field_when_an_endpoint_has_no_smoke_request(stubbed, capsys):
    config = with_serving("staging", {"models": {"main": {}},
                                      "endpoints": {"api": {"variants": [{"name": "a", "model": "main"}]}}})
    session, _ = stubbed(config.region)
    assert smoke_test.main(["--stage", "Staging"], session=session, environments=[config]) == 1
    assert "FAIL api (mlinf-staging-api, real-time): no smoke request: set serving.endpoints.api.smoke_request" \
        in capsys.readouterr().out


def test_fails_when_the_stage_configures_no_endpoint(capsys):
    config = with_serving("staging", {"models": {"main": {}}, "endpoints": {}})
    assert smoke_test.main(["--stage", "staging"], session=FakeSession({}), environments=[config]) == 2
    assert "error: staging: staging configures no endpoint (serving.endpoints): nothing to smoke-test" \
        in capsys.readouterr().err


def test_fails_on_an_unknown_stage(capsys):
    from config import ENVIRONMENTS

    names = ", ".join(raw["name"] for raw in ENVIRONMENTS)
    assert smoke_test.main(["--stage", "Nosuch"], session=FakeSession({})) == 2
    assert (f"error: Nosuch: --stage 'Nosuch' is not a configured environment; environments: {names}"
            in capsys.readouterr().err)


def test_fails_clearly_when_the_data_stack_is_missing(stubbed, capsys):
    config = configured("staging")
    session, stubs = stubbed(config.region)
    for probe in smoke_test.probes_for(config):
        if probe.kind != "async":
            expect_probe(stubs, config, probe)
        else:
            stubs["cloudformation"].add_client_error(
                "describe_stacks", service_error_code="ValidationError",
                service_message="Stack with id Staging-Data does not exist")
            break
    assert smoke_test.main(["--stage", "Staging"], session=session) == 1
    assert "Staging-Data has no output InputBucketName (is the Data stack deployed?)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_calls_only_the_stage_region(name, monkeypatch):
    # Prod's Billing stack lives in us-east-1: the smoke test must not look for anything there.
    config = configured(name)
    regions = []

    def fake_session_for(region, role_arn, endpoint_url):
        regions.append(region)
        raise smoke_test.SmokeTestError("stop here")

    monkeypatch.setattr(smoke_test, "session_for", fake_session_for)
    assert smoke_test.main(["--stage", config.stage_id]) == 1
    assert regions == [config.region]


def test_assumes_the_role_when_given(monkeypatch):
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": {
            "AccessKeyId": "AKIAEXAMPLEEXAMPLE12", "SecretAccessKey": "s" * 40, "SessionToken": "token",
            "Expiration": "2030-01-01T00:00:00Z"}},
            {"RoleArn": "arn:aws:iam::111111111111:role/mlinf-dev-smoke-test", "RoleSessionName": "smoke-test"})
        monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **kw: sts)
        session = smoke_test.session_for("us-east-1", "arn:aws:iam::111111111111:role/mlinf-dev-smoke-test", None)
        stub.assert_no_pending_responses()
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.token) == ("AKIAEXAMPLEEXAMPLE12", "token")
    assert session.region_name == "us-east-1"


def test_fails_clearly_when_the_role_cannot_be_assumed(monkeypatch):
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", service_error_code="AccessDenied", service_message="not authorized")
        monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **kw: sts)
        with pytest.raises(smoke_test.SmokeTestError, match=r"cannot assume arn:aws:iam::1:role/r: .*AccessDenied"):
            smoke_test.session_for("us-east-1", "arn:aws:iam::1:role/r", None)


def test_stage_is_required(capsys):
    with pytest.raises(SystemExit) as raised:
        smoke_test.parse_args([])
    assert raised.value.code == 2 and "--stage" in capsys.readouterr().err
