"""tools/local_runtime.invoke, the emulator's one model runtime: what a container serving a model.tar.gz answers."""

from __future__ import annotations

import json

import pytest

from config import ENVIRONMENTS, load_environments
from sagemaker_serving_cdk.rules.handler import framework_model_environment
from tools import local_runtime
from tools.local_emulator import PROJECT_ROOT

DEMO_MODEL = PROJECT_ROOT / "build" / "demo-model.tar.gz"
ENVIRONMENT = framework_model_environment("us-east-1")


@pytest.fixture(scope="module")
def artifact() -> bytes:
    return DEMO_MODEL.read_bytes()


@pytest.mark.parametrize("name", [env["name"] for env in ENVIRONMENTS])
def test_answers_each_configured_smoke_request_the_demo_model_serves(artifact, name):
    # Every environment serves the demo model today; a request it rejects would fail that stage's smoke test.
    serving = next(env for env in load_environments(ENVIRONMENTS) if env.name == name).serving
    for endpoint in serving.endpoints:
        request = serving.smoke_request_for(endpoint)
        status, body, content_type = local_runtime.invoke(artifact, ENVIRONMENT, request.body.encode(),
                                                          request.content_type, request.accept)
        assert status == 200, body
        assert content_type == (request.accept or content_type)
        if request.accept == "application/json":
            assert len(json.loads(body)["predictions"]) == 1


def test_a_rejected_request_keeps_the_handler_status(artifact):
    status, body, _ = local_runtime.invoke(artifact, ENVIRONMENT, b"1,2,3\n", "text/csv")
    assert status == 400 and b"expects 30 features" in body


def test_fails_like_a_container_without_its_handler_or_model(artifact):
    status, body, _ = local_runtime.invoke(artifact, {}, b"1\n", "text/csv")
    assert status == 500 and b"SAGEMAKER_PROGRAM is None" in body
    status, body, _ = local_runtime.invoke(b"not a tarball", ENVIRONMENT, b"1\n", "text/csv")
    assert status == 500 and body.startswith(b"model failed to load: ReadError")
