"""config/serving/rolling.py: rolling updates of instance endpoints and of inference components."""

from __future__ import annotations

import pytest

from config import load_environments
from config.environment_values import ENVIRONMENTS
from tests.unit.serving_config_kit import problems_for

LOADED = tuple(load_environments(ENVIRONMENTS))
ROLLING = {"batch_size_type": "INSTANCE_COUNT", "batch_size": 1, "wait_interval_seconds": 300}
VARIANT = {"name": "primary", "model": "main", "instance_type": "ml.m5.large", "initial_instance_count": 2}
HOST = {"instance_type": "ml.m5.xlarge"}


def endpoint(**fields) -> dict:
    return {"models": {"main": {}}, "endpoints": {"api": {"variants": [VARIANT], **fields}}}


def component_endpoint(rolling: dict) -> dict:
    return {"models": {"main": {}}, "endpoints": {"shared": {"component_host": HOST, "components": {
        "scoring": {"model": "main", "cpu_cores": 1, "memory_mb": 1024, "deployment": {"rolling": rolling}}}}}}


def test_some_configured_endpoint_updates_with_a_rolling_policy():
    rolling = [(env.name, name) for env in LOADED for name, e in env.serving.endpoints.items()
               if e.deployment is not None and e.deployment.strategy == "rolling"]
    assert rolling


def test_existing_deployments_stay_blue_green():
    for env in LOADED:
        for endpoint in env.serving.endpoints.values():
            if endpoint.deployment is not None and endpoint.deployment.rolling is None:
                assert endpoint.deployment.strategy == "blue_green"


@pytest.mark.parametrize("serving, expected", [
    (endpoint(deployment={"rolling": ROLLING, "traffic_routing": "CANARY", "size_value": 10}),
     "a rolling deployment takes no blue/green settings; drop traffic_routing, size_value"),
    (endpoint(deployment={"rolling": {**ROLLING, "batch_size_type": "COPY_COUNT"}}),
     "serving.endpoints.api.deployment.rolling = {'batch_size_type': 'COPY_COUNT', 'batch_size': 1, "
     "'wait_interval_seconds': 300}: batch_size_type = 'COPY_COUNT': an endpoint's capacity is counted in instances "
     "or percent; allowed: INSTANCE_COUNT or CAPACITY_PERCENT"),
    (endpoint(deployment={"rolling": {**ROLLING, "batch_size": 0}}),
     ": batch_size = 0: a batch moves at least one instance; allowed: >= 1"),
    # MaximumBatchSize "must be between 5% to 50%" (API reference: RollingUpdatePolicy,
    # InferenceComponentRollingUpdatePolicy); rules.deployment.ROLLING_BATCH_PERCENT
    (endpoint(deployment={"rolling": {**ROLLING, "batch_size_type": "CAPACITY_PERCENT", "batch_size": 60}}),
     ": batch_size = 60: a percentage of the fleet; allowed: 5-50"),
    (endpoint(deployment={"rolling": {**ROLLING, "batch_size_type": "CAPACITY_PERCENT", "batch_size": 4}}),
     ": batch_size = 4: a percentage of the fleet; allowed: 5-50"),
    (endpoint(deployment={"rolling": {**ROLLING, "batch_size_type": "CAPACITY_PERCENT", "batch_size": 25,
                                      "rollback_batch_size": 150}}),
     ": rollback_batch_size = 150: a percentage of the fleet; allowed: 1-100"),
    (endpoint(deployment={"rolling": {**ROLLING, "wait_interval_seconds": 3601}}),
     "deployment.rolling.wait_interval_seconds = 3601"),
    (endpoint(deployment={"rolling": {**ROLLING, "maximum_execution_timeout_seconds": 599}}),
     "deployment.rolling.maximum_execution_timeout_seconds = 599"),
    (endpoint(deployment={"rolling": {**ROLLING, "maximum_execution_timeout_seconds": 28801}}),
     "maximum_execution_timeout_seconds = 28801"),
    # "Exclusions": rolling deployments exclude multi-variant and serverless endpoints
    ({"models": {"main": {}}, "endpoints": {"api": {"variants": [VARIANT, {**VARIANT, "name": "second"}],
                                                    "deployment": {"rolling": ROLLING}}}},
     ": deployment.rolling = ['primary', 'second']: rolling deployments exclude endpoints with more than one variant; "
     "allowed: an endpoint with one variant, or blue/green (traffic routing) for several"),
    (endpoint(shadow_variant={"name": "shadow", "model": "main"}, deployment={"rolling": ROLLING}),
     ": deployment.rolling = ['primary', 'shadow']: rolling deployments exclude endpoints with more than one variant"),
    ({"models": {"main": {"network_isolation": False}}, "endpoints": {"api": {
        "serverless": {"model": "main"}, "deployment": {"rolling": ROLLING}}}},
     ": deployment.rolling = 'rolling update': a serverless endpoint has no instances to update in batches; "
     "allowed: blue/green"),
    # components roll copies
    (component_endpoint({**ROLLING}), "serving.endpoints.shared.components.scoring.deployment.rolling = "
                                      "{'batch_size_type': 'INSTANCE_COUNT', 'batch_size': 1, 'wait_interval_seconds..."
                                      ": batch_size_type = 'INSTANCE_COUNT': a component's capacity is counted in "
                                      "copies or percent; allowed: COPY_COUNT or CAPACITY_PERCENT"),
    (component_endpoint({"batch_size_type": "CAPACITY_PERCENT", "batch_size": 80}),
     ": batch_size = 80: a percentage of the fleet; allowed: 5-50"),
    (component_endpoint({"batch_size_type": "COPY_COUNT"}), "components.scoring.deployment.rolling.batch_size"),
])
def test_fails_on_bad_rolling_update(serving, expected):
    problems = problems_for("prod", serving)
    assert any(expected in problem for problem in problems), problems
