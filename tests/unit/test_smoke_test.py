"""tools/smoke_test.py against stubbed AWS clients (botocore Stubber): no network, no credentials."""

from __future__ import annotations

import io
from contextlib import ExitStack

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from tools import smoke_test

REGION = "us-east-1"


def stack(name: str, outputs: dict[str, str]) -> dict:
    return {
        "StackName": name, "CreationTime": "2024-01-01T00:00:00Z", "StackStatus": "UPDATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
    }


def body(text: str) -> StreamingBody:
    data = text.encode()
    return StreamingBody(io.BytesIO(data), len(data))


class FakeSession:
    """Hands out the stubbed clients run() asks for; a client it was not given is a test failure."""

    def __init__(self, **clients):
        self.clients = clients

    def client(self, name, endpoint_url=None):
        return self.clients[name]


@pytest.fixture
def clients():
    cloudformation = boto3.client("cloudformation", region_name=REGION, aws_access_key_id="x",
                                  aws_secret_access_key="x")
    runtime = boto3.client("sagemaker-runtime", region_name=REGION, aws_access_key_id="x",
                           aws_secret_access_key="x")
    stubs = {"cloudformation": Stubber(cloudformation), "sagemaker-runtime": Stubber(runtime)}
    with ExitStack() as stack_:
        for stub in stubs.values():
            stack_.enter_context(stub)
        yield FakeSession(**{"cloudformation": cloudformation, "sagemaker-runtime": runtime}), stubs
        for stub in stubs.values():
            stub.assert_no_pending_responses()


def expect_invoke(stubs, endpoint: str, response: str = '{"predictions": [1]}'):
    stubs["sagemaker-runtime"].add_response(
        "invoke_endpoint", {"Body": body(response), "ContentType": "application/json"},
        {"EndpointName": endpoint, "ContentType": "text/csv", "Accept": "application/json",
         "Body": smoke_test.DEFAULT_PAYLOAD.encode()},
    )


def test_invokes_every_endpoint_output_of_the_stage_stacks(clients, capsys):
    session, stubs = clients
    stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [
        stack("Dev-Serving", {"RealtimeEndpointName": "ep-a", "ServerlessEndpointName": "ep-b", "DashboardUrl": "x"}),
        stack("Dev-Data", {"InputBucketName": "bucket"}),
        stack("Staging-Serving", {"RealtimeEndpointName": "not-this-stage"}),
    ]}, {})
    expect_invoke(stubs, "ep-a")
    expect_invoke(stubs, "ep-b")
    assert smoke_test.main(["--stage", "Dev"], session=session) == 0
    out = capsys.readouterr().out
    assert "ok   Dev-Serving.RealtimeEndpointName (ep-a)" in out
    assert "ok   Dev-Serving.ServerlessEndpointName (ep-b)" in out
    assert "Dev: 2 endpoint(s) answered" in out


def test_reads_only_the_named_stacks(clients):
    session, stubs = clients
    stubs["cloudformation"].add_response(
        "describe_stacks", {"Stacks": [stack("Dev-Serving", {"RealtimeEndpointName": "ep-a"})]},
        {"StackName": "Dev-Serving"})
    expect_invoke(stubs, "ep-a")
    assert smoke_test.main(["--stage", "Dev", "--stack", "Dev-Serving"], session=session) == 0


def test_fails_when_an_endpoint_errors(clients, capsys):
    session, stubs = clients
    stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [
        stack("Dev-Serving", {"AEndpointName": "ep-a", "BEndpointName": "ep-b"})]}, {})
    stubs["sagemaker-runtime"].add_client_error(
        "invoke_endpoint", service_error_code="ModelError", http_status_code=424,
        service_message="Received client error (400) from primary: feature count 3, expected 30")
    expect_invoke(stubs, "ep-b")
    assert smoke_test.main(["--stage", "Dev"], session=session) == 1
    captured = capsys.readouterr()
    assert "FAIL Dev-Serving.AEndpointName (ep-a): An error occurred (ModelError)" in captured.out
    assert "expected 30" in captured.out
    assert "ok   Dev-Serving.BEndpointName (ep-b)" in captured.out
    assert "error: Dev: 1 of 2 endpoint(s) failed" in captured.err


def test_fails_when_the_stage_outputs_no_endpoint(clients, capsys):
    session, stubs = clients
    stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [stack("Dev-Data", {"InputBucketName": "b"})]}, {})
    assert smoke_test.main(["--stage", "Dev"], session=session) == 2
    err = capsys.readouterr().err
    assert "error: Dev: no stack output ending in 'EndpointName' in stacks named Dev-*" in err


def test_fails_clearly_when_a_named_stack_does_not_exist(clients, capsys):
    session, stubs = clients
    stubs["cloudformation"].add_client_error(
        "describe_stacks", service_error_code="ValidationError",
        service_message="Stack with id Dev-Serving does not exist", expected_params={"StackName": "Dev-Serving"})
    assert smoke_test.main(["--stage", "Dev", "--stack", "Dev-Serving"], session=session) == 1
    err = capsys.readouterr().err
    assert "error: Dev: cannot read the Dev stacks' outputs" in err and "does not exist" in err


def test_sends_the_given_payload_and_content_type(clients, tmp_path):
    session, stubs = clients
    payload = tmp_path / "request.json"
    payload.write_text('{"instances": [[1, 2]]}')
    stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [stack("Dev-Serving", {"EndpointName": "ep"})]}, {})
    stubs["sagemaker-runtime"].add_response(
        "invoke_endpoint", {"Body": body("[0]")},
        {"EndpointName": "ep", "ContentType": "application/json", "Accept": ANY, "Body": b'{"instances": [[1, 2]]}'})
    assert smoke_test.main(["--stage", "Dev", "--payload", f"@{payload}", "--content-type", "application/json"],
                           session=session) == 0


def test_fails_on_an_unreadable_payload_file(capsys, tmp_path):
    assert smoke_test.main(["--stage", "Dev", "--payload", f"@{tmp_path}/missing.csv"], session=FakeSession()) == 2
    assert "error: cannot read the payload" in capsys.readouterr().err


def test_assumes_the_role_when_given(monkeypatch):
    sts = boto3.client("sts", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": {
            "AccessKeyId": "AKIAEXAMPLEEXAMPLE12", "SecretAccessKey": "s" * 40, "SessionToken": "token",
            "Expiration": "2030-01-01T00:00:00Z"}},
            {"RoleArn": "arn:aws:iam::111111111111:role/mlinf-dev-smoke-test", "RoleSessionName": "smoke-test"})
        monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **kw: sts)
        session = smoke_test.session_for(REGION, "arn:aws:iam::111111111111:role/mlinf-dev-smoke-test", None)
        stub.assert_no_pending_responses()
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.token) == ("AKIAEXAMPLEEXAMPLE12", "token")
    assert session.region_name == REGION


def test_fails_clearly_when_the_role_cannot_be_assumed(monkeypatch):
    sts = boto3.client("sts", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", service_error_code="AccessDenied", service_message="not authorized")
        monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **kw: sts)
        with pytest.raises(smoke_test.SmokeTestError, match=r"cannot assume arn:aws:iam::1:role/r: .*AccessDenied"):
            smoke_test.session_for(REGION, "arn:aws:iam::1:role/r", None)


def test_stage_is_required(capsys):
    with pytest.raises(SystemExit) as raised:
        smoke_test.parse_args([])
    assert raised.value.code == 2 and "--stage" in capsys.readouterr().err


def test_default_payload_is_one_row_of_the_demo_model_input():
    from sklearn.datasets import load_breast_cancer
    values = [float(v) for v in smoke_test.DEFAULT_PAYLOAD.split(",")]
    assert values == [float(v) for v in load_breast_cancer().data[0]]
