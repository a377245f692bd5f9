"""config/serving/variant_options.py, and the environment's `production` flag that guards SSM access."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, ConfigError, load_environments
from config.environment_values import ENVIRONMENTS
from config.serving import core_dump_prefix
from tests.environments import CONFIGURED, stages_where
from tests.unit.serving_config_kit import loads, problems_for

VARIANT = {"name": "primary", "model": "main"}
HOST = {"instance_type": "ml.m5.xlarge"}
COMPONENTS = {"scoring": {"model": "main", "cpu_cores": 1, "memory_mb": 1024}}


def with_models(name: str, endpoints: dict) -> dict:
    # The environment's own models stay: its batch transforms use them.
    models = next(raw for raw in ENVIRONMENTS if raw["name"] == name)["serving"]["models"]
    return {"models": {**models, "main": {}}, "endpoints": endpoints}


def test_production_is_stated_by_every_environment_not_inferred():
    assert all("production" in raw for raw in ENVIRONMENTS)
    assert stages_where(lambda env: env.production), "some environment serves production"
    assert stages_where(lambda env: not env.production), "some environment does not"


@pytest.mark.parametrize("name", [raw["name"] for raw in ENVIRONMENTS])
def test_fails_without_the_production_flag(name):
    # Explicit in every environment: a new one copied without it does not silently become non-production.
    environments = [{k: v for k, v in raw.items() if not (raw["name"] == name and k == "production")}
                    for raw in ENVIRONMENTS]
    with pytest.raises(ConfigError) as raised:
        load_environments(environments)
    assert any(p.startswith(f"{name}: production = ") and "Field required" in p for p in raised.value.problems)


@pytest.mark.parametrize("env", CONFIGURED, ids=[env.stage_id for env in CONFIGURED])
@pytest.mark.parametrize("where", ["variant", "shadow", "host"])
def test_ssm_access_fails_exactly_where_production_is_true(env, where):
    if where == "variant":
        endpoints = {"api": {"variants": [{**VARIANT, "enable_ssm_access": True}]}}
        field = "serving.endpoints.api.variants.0.enable_ssm_access"
    elif where == "shadow":
        endpoints = {"api": {"variants": [VARIANT], "shadow_variant": {"name": "s", "model": "main",
                                                                        "enable_ssm_access": True}}}
        field = "serving.endpoints.api.shadow_variant.enable_ssm_access"
    else:
        endpoints = {"api": {"component_host": {**HOST, "enable_ssm_access": True}, "components": COMPONENTS}}
        field = "serving.endpoints.api.component_host.enable_ssm_access"
    serving = with_models(env.name, endpoints)
    if env.production:
        problems = problems_for(env.name, serving)
        assert any(p.startswith(f"{env.name}: ") and f"{field} = True: SSM sessions give a shell inside the serving "
                   "containers; allowed: False in an environment marked production" in p for p in problems), problems
    else:
        assert loads(env.name, serving).name == env.name


def test_core_dumps_go_under_the_endpoints_prefix():
    assert core_dump_prefix("segmentation") == "core-dumps/segmentation/"


@pytest.mark.parametrize("variant, expected", [
    ({**VARIANT, "routing": "ROUND_ROBIN"},
     "variants.0.routing = 'ROUND_ROBIN': not a routing strategy; allowed: LEAST_OUTSTANDING_REQUESTS or RANDOM"),
    ({**VARIANT, "inference_ami_version": "al2-ami-sagemaker-inference-gpu-9"},
     "variants.0.inference_ami_version = 'al2-ami-sagemaker-inference-gpu-9': not an InferenceAmiVersion of "
     "CreateEndpointConfig; allowed: al2-ami-sagemaker-inference-gpu-2"),
    ({**VARIANT, "core_dump": "sometimes"}, "variants.0.core_dump = 'sometimes': Input should be a valid boolean"),
])
def test_fails_on_bad_variant_option(variant, expected):
    problems = problems_for("staging", with_models("staging", {"api": {"variants": [variant]}}))
    assert any(expected in problem for problem in problems), problems


def test_variant_options_validate_on_the_component_host_too():
    problems = problems_for("staging", with_models("staging", {"api": {
        "component_host": {**HOST, "inference_ami_version": "x"}, "components": COMPONENTS}}))
    assert any("component_host.inference_ami_version = 'x': not an InferenceAmiVersion" in p for p in problems)
