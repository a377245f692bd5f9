"""tools/smoke_test.py on inference components, against stubbed clients (botocore Stubber; the emulator has no model
of inference components): every component is called by its stable name with InferenceComponentName, and one at
zero copies is woken and asked again, within a bounded wait."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from config import load_environments
from config.environment_values import ENVIRONMENTS
from tools import smoke_test

WHEN = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
LOADED = tuple(load_environments(ENVIRONMENTS))
HOSTING = [env for env in LOADED if any(e.component_host for e in env.serving.endpoints.values())]


class Stubbed:
    def __init__(self, region: str):
        self.clients = {name: boto3.client(name, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
                        for name in ("sagemaker", "sagemaker-runtime")}
        self.stubs = {name: Stubber(client) for name, client in self.clients.items()}
        for stub in self.stubs.values():
            stub.activate()

    def client(self, name, endpoint_url=None):
        return self.clients[name]

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def describe(stubbed, name, copies, status="InService"):
    stubbed.stubs["sagemaker"].add_response("describe_inference_component", {
        "InferenceComponentName": name, "InferenceComponentArn": f"arn:aws:sagemaker:us-east-1:1:ic/{name}",
        "EndpointName": "e", "EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/e", "CreationTime": WHEN,
        "LastModifiedTime": WHEN, "InferenceComponentStatus": status,
        "RuntimeConfig": {"CurrentCopyCount": copies, "DesiredCopyCount": max(copies, 1)}},
        {"InferenceComponentName": name})


def invoke(stubbed, probe, error=None):
    request = probe.request
    params = {"EndpointName": probe.name, "ContentType": request.content_type, "Body": request.body.encode(),
              "InferenceComponentName": probe.component}
    if request.accept:
        params["Accept"] = request.accept
    if error:
        stubbed.stubs["sagemaker-runtime"].add_client_error("invoke_endpoint", service_error_code=error,
                                                            http_status_code=400, expected_params=params)
    else:
        data = b'{"predictions": [0]}'
        stubbed.stubs["sagemaker-runtime"].add_response("invoke_endpoint", {
            "Body": StreamingBody(io.BytesIO(data), len(data))}, params)


def component_probes(config):
    return [p for p in smoke_test.probes_for(config) if p.kind == "component"]


@pytest.mark.parametrize("config", HOSTING, ids=[env.stage_id for env in HOSTING])
def test_every_component_is_probed_by_its_stable_name_with_its_request(config):
    probes = component_probes(config)
    expected = {(f"{endpoint}/{key}", config.endpoint_name(endpoint), config.inference_component_name(endpoint, key))
                for endpoint, settings in config.serving.endpoints.items() for key in settings.components}
    assert {(p.endpoint, p.name, p.component) for p in probes} == expected
    assert all(p.request is not None for p in probes)
    stubbed = Stubbed(config.region)
    for probe in probes:
        describe(stubbed, probe.component, copies=1)
        invoke(stubbed, probe)
    results = [smoke_test.invoke_component(stubbed.client("sagemaker-runtime"), stubbed.client("sagemaker"), probe,
                                           cold_timeout=60) for probe in probes]
    assert all(r.ok for r in results), results
    stubbed.verify()


def test_a_component_host_endpoint_is_not_probed_itself():
    for config in HOSTING:
        hosts = {name for name, e in config.serving.endpoints.items() if e.component_host}
        assert not {p.endpoint for p in smoke_test.probes_for(config) if p.kind != "component"} & hosts


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def cold_start():
    """The first component probe, at zero copies: the described copies and the failing first request are queued."""
    config = HOSTING[0]
    probe = component_probes(config)[0]
    stubbed = Stubbed(config.region)
    describe(stubbed, probe.component, copies=0)
    invoke(stubbed, probe, error="ValidationError")
    return probe, stubbed, Clock()


def test_a_component_at_zero_copies_is_woken_and_asked_again():
    probe, stubbed, clock = cold_start()
    describe(stubbed, probe.component, copies=0, status="Updating")
    describe(stubbed, probe.component, copies=1)
    invoke(stubbed, probe)
    result = smoke_test.invoke_component(stubbed.client("sagemaker-runtime"), stubbed.client("sagemaker"), probe,
                                         cold_timeout=600, sleep=clock.sleep, clock=clock)
    assert result.ok, result.detail
    assert result.detail.startswith("woke from 0 copies in 15 s (first request: An error occurred (ValidationError)")
    stubbed.verify()


def test_fails_when_a_component_at_zero_copies_does_not_wake_in_time():
    probe, stubbed, clock = cold_start()
    for _ in range(3):  # at 0, 15 and 30 s; the deadline is 30 s
        describe(stubbed, probe.component, copies=0)
    result = smoke_test.invoke_component(stubbed.client("sagemaker-runtime"), stubbed.client("sagemaker"), probe,
                                         cold_timeout=30, sleep=clock.sleep, clock=clock)
    assert not result.ok
    assert "0 copies; the first request failed" in result.detail and "still InService with 0 copies" in result.detail
    stubbed.verify()


def test_fails_when_a_component_is_missing():
    config = HOSTING[0]
    probe = component_probes(config)[0]
    stubbed = Stubbed(config.region)
    stubbed.stubs["sagemaker"].add_client_error("describe_inference_component", service_error_code="ValidationException",
                                                service_message="Could not find inference component",
                                                expected_params={"InferenceComponentName": probe.component})
    result = smoke_test.invoke_component(stubbed.client("sagemaker-runtime"), stubbed.client("sagemaker"), probe,
                                         cold_timeout=30)
    assert not result.ok and f"inference component {probe.component!r} not found" in result.detail
    stubbed.verify()


def test_the_cold_timeout_is_a_command_line_option():
    assert smoke_test.parse_args(["--stage", "staging", "--cold-timeout", "120"]).cold_timeout == 120
    assert smoke_test.parse_args(["--stage", "staging"]).cold_timeout == smoke_test.DEFAULT_COLD_TIMEOUT_SECONDS
