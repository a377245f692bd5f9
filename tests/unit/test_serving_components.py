"""config/serving/components.py: component hosts and inference components, their names, fit and scale to zero."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, load_environments
from sagemaker_serving_cdk.rules.component_spec import component_name_problems
from sagemaker_serving_cdk.rules.naming import endpoint_name, inference_component_name
from tests.environments import STAGE_IDS
from tests.unit.serving_config_kit import loads, problems_for

LOADED = tuple(load_environments(ENVIRONMENTS))
HOST = {"instance_type": "ml.m5.xlarge", "managed_scaling": {"min_instance_count": 0, "max_instance_count": 2}}
SCALES_TO_ZERO = {"min_copies": 0, "max_copies": 2, "invocations_per_copy": 50}


def component(**fields) -> dict:
    return {"model": "main", "cpu_cores": 1, "memory_mb": 1024, "autoscaling": SCALES_TO_ZERO, **fields}


def host_endpoint(components=None, host=None, **fields) -> dict:
    return {"models": {"main": {}, "multi": {"multi_model_prefix": "m/", "network_isolation": False},
                       "registered": {"model_package_version": 1}},
            "endpoints": {"shared": {"component_host": host or HOST,
                                     "components": {"alpha": component()} if components is None else components,
                                     **fields}}}


def test_configured_values_show_two_components_on_one_instance_type_one_scaling_to_zero():
    hosts = [(env, name, e) for env in LOADED for name, e in env.serving.endpoints.items() if e.component_host]
    assert hosts, "some environment hosts inference components"
    for env, name, endpoint in hosts:
        assert len(endpoint.components) >= 2, (env.name, name)
        assert any(c.scales_to_zero for c in endpoint.components.values()), (env.name, name)
        assert endpoint.component_host.managed_scaling.min_instance_count == 0
        assert all(c.deployment is not None and c.deployment.rolling for c in endpoint.components.values())


@pytest.mark.parametrize("env", LOADED, ids=[env.stage_id for env in LOADED])
def test_component_names_are_the_endpoint_name_plus_the_key(env):
    for name, endpoint in env.serving.endpoints.items():
        for key in endpoint.components:
            physical = env.inference_component_name(name, key)
            assert physical == f"{endpoint_name(env.name_prefix, name)}-{key}" == inference_component_name(
                env.name_prefix, name, key)
            assert component_name_problems(physical) == []


@pytest.mark.parametrize("stage", STAGE_IDS)
def test_fails_when_a_component_name_is_too_long(stage):
    name = stage.lower()
    endpoint, key = "e" * 30, "c" * 32  # each a valid key; together longer than 63 with any name_prefix
    serving = host_endpoint({key: component()})
    serving["endpoints"] = {endpoint: serving["endpoints"]["shared"]}
    own = next(raw for raw in ENVIRONMENTS if raw["name"] == name)["serving"]["models"]
    serving["models"].update(own)  # the environment's batch transforms use its models
    problems = problems_for(name, serving)
    physical = f"{next(raw for raw in ENVIRONMENTS if raw['name'] == name)['name_prefix']}-{endpoint}-{key}"
    assert any(f"serving.endpoints.{endpoint}.components.{key} = {physical!r}: not an InferenceComponentName "
               f"({len(physical)} characters); allowed: 1-63 letters" in p for p in problems), problems


def test_a_component_host_serves_its_components_models():
    env = loads("staging", host_endpoint({"alpha": component(), "beta": component(model="registered")}))
    assert env.serving.endpoints["shared"].model_names == ("main", "registered")
    assert env.serving.smoke_request_for("shared") is None


def test_a_component_smoke_request_is_its_own_or_its_models():
    own = {"content_type": "application/json", "body": "[[1]]"}
    serving = host_endpoint({"alpha": component(smoke_request=own), "beta": component()})
    serving["models"]["main"]["smoke_request"] = {"content_type": "text/csv", "body": "1"}
    env = loads("staging", serving)
    assert env.serving.smoke_request_for_component("shared", "alpha").body == "[[1]]"
    assert env.serving.smoke_request_for_component("shared", "beta").body == "1"


@pytest.mark.parametrize("serving, expected", [
    (host_endpoint(components={}), "a component_host needs at least one entry in components"),
    ({"models": {"main": {}}, "endpoints": {"e": {"components": {"alpha": component()}}}},
     "components need a component_host"),
    (host_endpoint(variants=[{"name": "v", "model": "main"}]),
     "variants = ['v']: an endpoint that hosts inference components has one real-time variant and no model variants; "
     "allowed: nothing beside component_host"),
    (host_endpoint(serverless={"model": "main"}), "serverless = True: an endpoint that hosts inference components"),
    (host_endpoint(async_inference={}), "async_inference = True: an endpoint that hosts inference components"),
    (host_endpoint(shadow_variant={"name": "s", "model": "main"}),
     "shadow_variant = ['s']: an endpoint that hosts inference components"),
    (host_endpoint(smoke_request={"content_type": "text/csv", "body": "1"}),
     "an endpoint with a component_host takes no smoke_request"),
    (host_endpoint(deployment={"traffic_routing": "ALL_AT_ONCE"}), "a component host updates by deployment.rolling"),
    (host_endpoint({"alpha": component(model="ghost")}), "endpoint 'shared' uses model 'ghost', which is not defined"),
    (host_endpoint({"alpha": component(model="multi")}), "endpoint 'shared': models.multi = 'multi-model': an inference "
     "component serves one model; allowed: a single-model model"),
    (host_endpoint({"alpha": component(smoke_request={"content_type": "text/csv", "body": "1", "target_model": "m.tar.gz"})}),
     "component 'alpha': a component serves one model; its smoke_request takes no target_model"),
    # the host
    (host_endpoint(host={**HOST, "instance_type": "ml.m5.huge"}),
     "component_host.instance_type = 'ml.m5.huge': CreateEndpointConfig offers no such size of m5"),
    (host_endpoint(host={**HOST, "initial_instance_count": 3}),
     "serving.endpoints.shared.component_host = {'instance_type': 'ml.m5.xlarge', 'managed_scaling': "
     "{'min_instance_count': 0...: initial_instance_count = 3: the host starts outside its scaling bounds; allowed: min_instance_count (0) to max_instance_count (2)"),
    (host_endpoint(host={**HOST, "managed_scaling": {"min_instance_count": 3, "max_instance_count": 2}}),
     "component_host.managed_scaling = {'min_instance_count': 3, 'max_instance_count': 2}: min_instance_count = 3: "
     "the floor is above the ceiling; allowed: <= max_instance_count (2)"),
    (host_endpoint(host={**HOST, "managed_scaling": {"min_instance_count": -1, "max_instance_count": 2}}),
     "component_host.managed_scaling = {'min_instance_count': -1, 'max_instance_count': 2}: min_instance_count = -1: "
     "a negative number of instances; allowed: >= 0"),
    (host_endpoint(host={**HOST, "managed_scaling": {"min_instance_count": 0, "max_instance_count": 1001}}),
     "component_host.managed_scaling.max_instance_count = 1001: Input should be less than or equal to 1000"),
    (host_endpoint(host={**HOST, "routing": "ROUND_ROBIN"}), "component_host.routing = 'ROUND_ROBIN'"),
    # components
    (host_endpoint({"alpha": component(cpu_cores=0.1)}),
     "components.alpha.cpu_cores = 0.1: below SageMaker's minimum; allowed: >= 0.25"),
    (host_endpoint({"alpha": component(memory_mb=64)}),
     "components.alpha.memory_mb = 64: below SageMaker's minimum; allowed: >= 128"),
    (host_endpoint({"alpha": component(accelerators=0)}),
     "components.alpha.accelerators = 0: no accelerator to reserve; allowed: >= 1, or None for CPU models"),
    (host_endpoint({"alpha": component(container_startup_health_check_timeout_seconds=59)}),
     "components.alpha.container_startup_health_check_timeout_seconds = 59: out of range; allowed: 60-3600 seconds"),
    (host_endpoint({"alpha": component(copy_count=0)}), "components.alpha.copy_count = 0: Input should be greater than or equal to 1"),
    (host_endpoint({"A": component()}), "serving.endpoints.shared.components.A.[key] = 'A': String should match pattern"),
    (host_endpoint({"alpha": component(copy_count=3)}), "components.alpha = {'model': 'main', 'cpu_cores': 1, "),
    (host_endpoint({"alpha": component(copy_count=3)}), ": copy_count = 3: the component starts outside its scaling "
     "bounds; allowed: min_copies (0) to max_copies (2)"),
    (host_endpoint({"alpha": component(autoscaling={"min_copies": 3, "max_copies": 2, "invocations_per_copy": 5})}),
     "components.alpha.autoscaling = {'min_copies': 3, 'max_copies': 2, 'invocations_per_copy': 5}: min_copies = 3: "
     "the floor is above the ceiling; allowed: <= max_copies (2)"),
    (host_endpoint({"alpha": component(autoscaling={"min_copies": -1, "max_copies": 2, "invocations_per_copy": 5})}),
     "components.alpha.autoscaling.min_copies = -1: a negative number of copies; allowed: >= 0"),
    (host_endpoint({"alpha": component(autoscaling={"min_copies": 0, "max_copies": 0, "invocations_per_copy": 5})}),
     "max_copies = 0: no copies ever; allowed: >= 1"),
    (host_endpoint({"alpha": component(autoscaling={"max_copies": 2})}),
     "set exactly one of invocations_per_copy or concurrent_requests_per_copy (got neither)"),
    (host_endpoint({"alpha": component(autoscaling={"max_copies": 2, "invocations_per_copy": 5,
                                                "concurrent_requests_per_copy": 2})}),
     "(got invocations_per_copy, concurrent_requests_per_copy)"),
    # fit (the library's rule, against the instance-spec table): ml.m5.xlarge has 4 vCPUs and 16 GiB
    (host_endpoint({"alpha": component(cpu_cores=8)}), "components.alpha.cpu_cores = 8.0: one copy runs on one instance; allowed: at most 4"),
    (host_endpoint({"alpha": component(memory_mb=65536)}), "components.alpha.memory_mb = 65536: one copy runs on one instance"),
    (host_endpoint({"alpha": component(accelerators=1)}), "components.alpha.accelerators = 1"),
    (host_endpoint({"alpha": component(cpu_cores=3, copy_count=2), "beta": component(cpu_cores=3)}),
     "components.*.cpu_cores = 9.0: the copies that must run at once need more than the endpoint's maximum instances offer"),
    # scale to zero
    (host_endpoint(host={**HOST, "managed_scaling": {"min_instance_count": 1, "max_instance_count": 2}}),
     "component_host.managed_scaling.min_instance_count = 1: components at zero copies free no instance unless "
     "managed scaling may release every instance; allowed: 0, since components ['alpha'] scale to zero copies"),
    (host_endpoint(host={"instance_type": "ml.m5.xlarge"}),
     "component_host.managed_scaling.min_instance_count = 'no managed scaling': components at zero copies"),
    (host_endpoint({"alpha": component(autoscaling={"min_copies": 1, "max_copies": 2, "invocations_per_copy": 5})}),
     "component_host.managed_scaling.min_instance_count = 0: no component scales to zero copies, so the endpoint can "
     "never release its last instance; allowed: >= 1, or a component that scales to zero copies"),
])
def test_fails_on_bad_component_host(serving, expected):
    problems = problems_for("staging", serving)
    assert any(expected in problem for problem in problems), problems


def test_every_component_problem_names_environment_endpoint_and_field():
    problems = problems_for("prod", host_endpoint({"alpha": component(cpu_cores=8, copy_count=0)}))
    assert all(p.startswith("prod: serving.endpoints.shared") for p in problems), problems


def test_a_registry_package_model_may_be_a_component():
    # An inference component names "an existing SageMaker AI model object" (ModelName); a model created from a
    # registered package is one. No AWS document excludes it, so config does not either.
    env = loads("staging", host_endpoint({"alpha": component(model="registered")}))
    assert env.serving.endpoints["shared"].components["alpha"].model == "registered"
