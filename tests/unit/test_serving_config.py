"""The serving config schema: every validation rule fails with a message naming environment, field and value."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from config import ENVIRONMENTS, ConfigError, load_environments
from sagemaker_serving_cdk.rules.handler import handler_problems
from config.serving import (AutoscalingSettings, DeploymentSettings, EndpointSettings, InstanceVariantSettings,
                            ModelSettings, ServingConfig)

VARIANT = {"name": "primary", "model": "main"}


def problems_for(environment: str, serving: dict) -> list[str]:
    environments = copy.deepcopy(list(ENVIRONMENTS))
    next(env for env in environments if env["name"] == environment)["serving"] = serving
    with pytest.raises(ConfigError) as raised:
        load_environments(environments)
    return raised.value.problems


def endpoint(**fields) -> dict:
    return {"models": {"main": {}, "other": {}}, "endpoints": {"api": fields}}


def test_committed_environments_load():
    assert [env.name for env in load_environments(ENVIRONMENTS)] == [raw["name"] for raw in ENVIRONMENTS]


def test_default_model_is_the_sklearn_framework_image_from_the_handler_pins():
    from inference_code.framework import SKLEARN_FRAMEWORK_VERSION
    image = ModelSettings().image
    assert (image.kind, image.framework, image.version) == ("framework", "sklearn", SKLEARN_FRAMEWORK_VERSION)


def test_invocations_target_is_derived_from_requests_per_second():
    assert AutoscalingSettings(max_requests_per_second=10, safety_factor=0.25).invocations_target() == 150
    assert AutoscalingSettings(target_invocations_per_instance=42).invocations_target() == 42


@pytest.mark.parametrize("serving, expected", [
    # models
    ({"models": {"Main": {}}}, "prod: serving.models.Main.[key] = 'Main': String should match pattern"),
    ({"models": {"main": {"model_data_key": "a.tar.gz", "model_data_asset": "b.tar.gz"}}},
     "prod: serving.models.main = {'model_data_key': 'a.tar.gz', 'model_data_asset': 'b.tar.gz'}: set at most one model data source"),
    ({"models": {"main": {"model_package_version": 2, "image": {"kind": "framework"}}}},
     "a model package (model_package_version=2) brings its own image; remove image="),
    ({"models": {"main": {"model_package_version": 0}}}, "serving.models.main.model_package_version = 0: Input should be greater than or equal to 1"),
    ({"models": {"main": {"multi_model_prefix": "models/multi"}}}, "serving.models.main.multi_model_prefix = 'models/multi': String should match pattern"),
    ({"models": {"main": {"image": {"kind": "ecr", "repository_name": "repo"}}}},
     "serving.models.main.image.ecr = {'kind': 'ecr', 'repository_name': 'repo'}: tag = {'tag': None, 'digest': None}: "
     "an ECR image needs one reference; allowed: exactly one of tag or digest"),
    ({"models": {"main": {"image": {"kind": "ecr", "repository_name": "repo", "digest": "sha256:abc"}}}},
     "serving.models.main.image.ecr.digest = 'sha256:abc': String should match pattern"),
    ({"models": {"main": {"image": {"kind": "framework", "framework": "tensorflow"}}}},
     "serving.models.main.image.framework.framework = 'tensorflow': Input should be 'sklearn', 'xgboost' or 'pytorch'"),
    ({"models": {"main": {"image": {"kind": "docker"}}}}, "serving.models.main.image"),
    ({"models": {"main": {"vpc": {"subnet_ids": [], "security_group_ids": ["sg-0123abcd"]}}}},
     "serving.models.main.vpc.subnet_ids = []: Tuple should have at least 1 item"),
    # endpoint shape
    (endpoint(), "serving.endpoints.api = {}: set variants (1-10 instance variants), serverless or component_host"),
    (endpoint(variants=[{"name": f"v{i}", "model": "main"} for i in range(11)]),
     ": variants = 11: too many production variants; allowed: 1-10"),
    (endpoint(variants=[VARIANT, VARIANT]),
     ": variant names = ['primary']: variant names must be unique; allowed: each name once"),
    (endpoint(variants=[VARIANT], shadow_variant={"name": "primary", "model": "other"}), "variant names = ['primary']"),
    (endpoint(variants=[VARIANT], serverless={"model": "main"}),
     ": variants = ['primary']: a serverless endpoint has one variant; allowed: nothing beside the serverless variant"),
    (endpoint(serverless={"model": "main"}, async_inference={}),
     ": async_inference = True: a serverless endpoint has one variant; allowed: nothing beside the serverless variant"),
    (endpoint(variants=[VARIANT], async_inference={}, shadow_variant={"name": "s", "model": "main"}),
     ": shadow_variant = ['s']: shadow variants are not supported on async endpoints; allowed: none on an async endpoint"),
    (endpoint(variants=[{**VARIANT, "weight": 0}]), "serving.endpoints.api.variants.0.weight = 0: Input should be greater than 0"),
    (endpoint(variants=[{**VARIANT, "weight": -1}]), "Input should be greater than 0"),
    (endpoint(variants=[{**VARIANT, "name": "bad name"}]), "serving.endpoints.api.variants.0.name = 'bad name': String should match pattern"),
    (endpoint(variants=[{**VARIANT, "instance_type": "m5.large"}]), "variants.0.instance_type = 'm5.large': not a SageMaker instance type for real-time (CreateEndpointConfig); "
     "allowed: ml.<family>.<size> with family one of c4,"),
    # issue 14: a size that does not exist is a config error naming the sizes (was a traceback, or accepted)
    (endpoint(variants=[{**VARIANT, "instance_type": "ml.m5.huge"}]), "prod: serving.endpoints.api.variants.0.instance_type = 'ml.m5.huge': "
     "CreateEndpointConfig offers no such size of m5; allowed: m5 sizes for real-time: 12xlarge, 24xlarge, 2xlarge"),
    (endpoint(variants=[{**VARIANT, "instance_type": "ml.m5.3xlarge"}]), "prod: serving.endpoints.api.variants.0.instance_type = 'ml.m5.3xlarge': "
     "CreateEndpointConfig offers no such size of m5"),
    (endpoint(variants=[{**VARIANT, "initial_instance_count": 0}]), "variants.0.initial_instance_count = 0"),
    (endpoint(variants=[{**VARIANT, "volume_size_gb": 600}]), "variants.0.volume_size_gb = 600: out of range; allowed: 1-512"),
    (endpoint(variants=[{**VARIANT, "instance_type": "ml.g4dn.xlarge", "volume_size_gb": 30}]),
     "variant 'primary': volume_size_gb = 30: ml.g4dn.xlarge has local NVMe storage, encrypted in hardware, and takes "
     "no EBS volume settings; allowed: no volume_size_gb, or an EBS-backed type"),
    (endpoint(variants=[{**VARIANT, "container_startup_health_check_timeout_seconds": 30}]),
     "container_startup_health_check_timeout_seconds = 30: out of range; allowed: 60-3600 seconds"),
    (endpoint(variants=[{**VARIANT, "model_data_download_timeout_seconds": 4000}]),
     "model_data_download_timeout_seconds = 4000: out of range; allowed: 60-3600 seconds"),
    # serverless
    (endpoint(serverless={"model": "main", "memory_size_mb": 1500}),
     "serverless.memory_size_mb = 1500: serverless memory comes in 1 GB steps; allowed: 1024, 2048, 3072, 4096, 5120, 6144"),
    (endpoint(serverless={"model": "main", "memory_size_mb": 7168}), "serverless.memory_size_mb = 7168: serverless memory"),
    (endpoint(serverless={"model": "main", "max_concurrency": 201}), "serverless.max_concurrency = 201: out of range; allowed: 1-200"),
    (endpoint(serverless={"model": "main", "max_concurrency": 0}), "serverless.max_concurrency = 0: out of range; allowed: 1-200"),
    (endpoint(serverless={"model": "main", "provisioned_concurrency": 0}), "serverless.provisioned_concurrency = 0: out of range"),
    (endpoint(serverless={"model": "main", "max_concurrency": 5, "provisioned_concurrency": 6}),
     ": provisioned_concurrency = 6: more warm capacity than the endpoint may use; allowed: <= max_concurrency (5)"),
    # async and data capture
    (endpoint(variants=[VARIANT], async_inference={"max_concurrent_invocations_per_instance": 0}),
     "async_inference.max_concurrent_invocations_per_instance = 0: out of range; allowed: 1-1000"),
    (endpoint(variants=[VARIANT], data_capture={"sampling_percentage": 101}),
     "data_capture.sampling_percentage = 101: out of range; allowed: 0-100"),
    (endpoint(variants=[VARIANT], data_capture={"sampling_percentage": -1}), "data_capture.sampling_percentage = -1"),
    (endpoint(variants=[VARIANT], data_capture={"capture_input": False, "capture_output": False}),
     ": capture_input = False: capture_input and capture_output are both False: nothing to capture; allowed: "
     "capture_input or capture_output True, or no data capture"),
    # guardrails and alarms
    (endpoint(variants=[VARIANT], deployment={"traffic_routing": "CANARY"}), "size_value = None: traffic routing CANARY shifts in steps"),
    (endpoint(variants=[VARIANT], deployment={"traffic_routing": "ALL_AT_ONCE", "size_value": 2}),
     "size_value = 2: traffic routing ALL_AT_ONCE shifts everything at once"),
    (endpoint(variants=[VARIANT], deployment={"traffic_routing": "LINEAR", "size_value": 150}),
     "size_value = 150: a percentage of the fleet; allowed: 10-50"),
    (endpoint(variants=[VARIANT], deployment={"traffic_routing": "BLUE"}),
     "deployment = {'traffic_routing': 'BLUE'}: traffic_routing = 'BLUE': not a traffic routing type; "
     "allowed: ALL_AT_ONCE, CANARY, LINEAR"),
    (endpoint(variants=[VARIANT], deployment={"traffic_routing": "LINEAR", "size_type": "COPY_COUNT", "size_value": 1}),
     ": size_type = 'COPY_COUNT': an endpoint's capacity is counted in instances or percent"),
    (endpoint(variants=[VARIANT], deployment={"wait_interval_seconds": 3601}),
     "deployment.wait_interval_seconds = 3601: out of range; allowed: 0-3600 seconds"),
    (endpoint(variants=[VARIANT], deployment={"termination_wait_seconds": -1}),
     "deployment.termination_wait_seconds = -1: out of range; allowed: 0-3600 seconds"),
    (endpoint(variants=[VARIANT], deployment={"maximum_execution_timeout_seconds": 300}),
     "deployment.maximum_execution_timeout_seconds = 300: out of range; allowed: 600-28800 seconds"),
    (endpoint(variants=[VARIANT], alarms={"evaluation_periods": 2, "datapoints_to_alarm": 3}),
     "datapoints_to_alarm = 3: more breaching datapoints than periods evaluated; the alarm could never fire; "
     "allowed: <= evaluation_periods (2)"),
    # autoscaling
    (endpoint(variants=[{**VARIANT, "autoscaling": {"min_capacity": 3, "max_capacity": 2}}]),
     "autoscaling = {'min_capacity': 3, 'max_capacity': 2}: min_capacity = 3: the floor is above the ceiling; "
     "allowed: <= max_capacity (2)"),
    (endpoint(variants=[{**VARIANT, "initial_instance_count": 5, "autoscaling": {"min_capacity": 1, "max_capacity": 4}}]),
     "variant 'primary': initial_instance_count = 5: the variant starts outside its scaling bounds; "
     "allowed: min_capacity (1) to max_capacity (4)"),
    (endpoint(variants=[{**VARIANT, "instance_type": "ml.t2.medium", "autoscaling": {}}]),
     "variant 'primary': instance_type = 'ml.t2.medium': Application Auto Scaling rejects burstable instance types"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"max_requests_per_second": 5, "target_invocations_per_instance": 10}}]),
     "set target_invocations_per_instance (10.0) or max_requests_per_second (5.0), not both"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"safety_factor": 1.5}}]), "autoscaling.safety_factor = 1.5"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"backlog_target_per_instance": 5}}]),
     "variant 'primary': backlog_target_per_instance = 5.0: the backlog target is for async endpoints only"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"min_capacity": 0}}]),
     "variant 'primary': min_capacity = 0: real-time variants cannot scale to zero; allowed: >= 1"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"max_requests_per_second": 5}}], async_inference={}),
     "async endpoints publish no InvocationsPerInstance"),
    (endpoint(variants=[VARIANT], shadow_variant={"name": "s", "model": "main", "autoscaling": {}}),
     "the shadow variant cannot autoscale here"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"schedules": [{"name": "Open", "schedule": "cron(0 8 * * ? *)",
                                                                   "timezone": "Mars/Olympus", "min_capacity": 2}]}}]),
     "timezone = 'Mars/Olympus': unknown IANA time zone"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"schedules": [{"name": "Open", "schedule": "every day"}]}}]),
     "schedule 'Open': schedule = 'every day': not a schedule expression; allowed: cron(minutes hours"),
    # issue 14: a 5-field (Unix) cron is refused as strictly as batch schedules refuse it
    (endpoint(variants=[{**VARIANT, "autoscaling": {"schedules": [{"name": "Open", "schedule": "cron(0 8 * * MON-FRI)",
                                                                   "min_capacity": 2}]}}]),
     "prod: serving.endpoints.api.variants.0.autoscaling.schedules.0 = {'name': 'Open', 'schedule': 'cron(0 8 * * MON-FRI)', "
     "'min_capacity': 2}: schedule 'Open': "
     "schedule = 'cron(0 8 * * MON-FRI)': a cron expression has 6 fields"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"schedules": [{"name": "Open", "schedule": "rate(1 day)"}]}}]),
     "schedule 'Open': min_capacity = None: a scheduled action changes at least one bound; "
     "allowed: min_capacity, max_capacity or both"),
    (endpoint(variants=[{**VARIANT, "autoscaling": {"schedules": [{"name": "Open", "schedule": "rate(1 day)",
                                                                   "min_capacity": 3, "max_capacity": 2}]}}]),
     "schedule 'Open': min_capacity = 3: the floor is above the ceiling; allowed: <= max_capacity (2)"),
    # references between models and endpoints
    (endpoint(variants=[{**VARIANT, "model": "ghost"}]),
     "endpoint 'api' uses model 'ghost', which is not defined; defined models: ['main', 'other']"),
    ({"models": {"multi": {"multi_model_prefix": "m/", "network_isolation": False}},
      "endpoints": {"api": {"serverless": {"model": "multi"}}}},
     "endpoint 'api': models.multi.multi_model_prefix = 'set': serverless endpoints cannot serve multi-model models"),
    ({"models": {"main": {}}, "endpoints": {"api": {"serverless": {"model": "main"}}}},
     "endpoint 'api': models.main.network_isolation = True: serverless endpoints do not support network isolation; "
     "allowed: False"),
    # issue 14: serverless + autoscaling says why, not just "Extra inputs are not permitted"
    (endpoint(serverless={"model": "main", "autoscaling": {"min_capacity": 1}}),
     "prod: serving.endpoints.api.serverless = {'model': 'main', 'autoscaling': {'min_capacity': 1}}: variant 'AllTraffic': "
     "autoscaling = 'set': "
     "serverless endpoints scale by max_concurrency"),
    ({"models": {"multi": {"multi_model_prefix": "m/", "network_isolation": False}}, "endpoints": {"api": {
        "variants": [{"name": "a", "model": "multi"}], "shadow_variant": {"name": "s", "model": "multi"}}}},
     "shadow variants are not supported with multi-model 'multi'"),
    ({"endpoints": {"API": {"variants": [VARIANT]}}}, "serving.endpoints.API.[key] = 'API': String should match pattern"),
    # handlers (bring your own)
    ({"models": {"main": {"handler": {"builtin": True}}}}, "the sklearn image has no built-in handler"),
    ({"models": {"main": {"image": {"kind": "framework", "framework": "xgboost", "version": "3.0-5"},
                          "handler": {"builtin": True, "entry_point": "x.py"}}}}, "builtin=True runs no code of yours; drop entry_point"),
    ({"models": {"main": {"handler": {"entry_point": "missing.py"}}}},
     "entry_point 'missing.py' is not a file in source_dir"),
    ({"models": {"main": {"handler": {"entry_point": "inference"}}}}, "handler.entry_point = 'inference': String should match"),
    ({"models": {"main": {"image": {"kind": "ecr", "repository_name": "mine", "tag": "v1"}, "handler": {}}}},
     "handler applies to framework images only"),
    ({"models": {"multi": {"multi_model_prefix": "m/"}}}, "imports its handler at container start from an S3 sourcedir.tar.gz"),
    ({"models": {"multi": {"multi_model_prefix": "m/", "network_isolation": False,
                           "environment": {"MAX_CONTENT_LENGTH": "31457280"}}}}, "accepts at most 20971520 bytes"),
    # smoke requests
    (endpoint(variants=[VARIANT], smoke_request={"content_type": "csv", "body": "1,2"}),
     "serving.endpoints.api.smoke_request.content_type = 'csv': String should match pattern"),
    (endpoint(variants=[VARIANT], smoke_request={"content_type": "text/csv", "body": ""}),
     "serving.endpoints.api.smoke_request.body = '': String should have at least 1 character"),
    (endpoint(variants=[VARIANT], smoke_request={"content_type": "text/csv", "body": "1," * 40000}),
     "body is 80000 bytes; a smoke request holds at most 65536"),
    (endpoint(variants=[VARIANT], smoke_request={"content_type": "text/csv"}),
     "serving.endpoints.api.smoke_request.body = {'content_type': 'text/csv'}: Field required"),
    (endpoint(variants=[VARIANT], smoke_request={"content_type": "text/csv", "body": "1", "accept": "json"}),
     "smoke_request.accept = 'json': String should match pattern"),
    (endpoint(variants=[VARIANT], smoke_request={"content_type": "text/csv", "body": "1", "target_model": "m.tar.gz"}),
     "endpoint 'api' is not multi-model: its smoke_request takes no target_model (got 'm.tar.gz')"),
    ({"models": {"multi": {"multi_model_prefix": "m/", "network_isolation": False,
                           "smoke_request": {"content_type": "text/csv", "body": "1"}}},
      "endpoints": {"api": {"variants": [{"name": "a", "model": "multi"}]}}},
     "endpoint 'api' is multi-model: its smoke_request needs target_model"),
    ({"models": {"main": {"smoke_request": {"content_type": "text/csv", "body": "1", "timeout": 3}}}},
     "serving.models.main.smoke_request.timeout = 3: Extra inputs are not permitted"),
    ({"unknown": 1}, "prod: serving.unknown = 1: Extra inputs are not permitted"),
])
def test_fails_on_bad_serving_config(serving, expected):
    problems = problems_for("prod", serving)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("model", [
    {"handler": {"entry_point": "inference.py", "source_dir": "examples/byo_sklearn"}},
    {"image": {"kind": "framework", "framework": "xgboost", "version": "3.0-5"}, "handler": {"builtin": True}},
    {"multi_model_prefix": "m/", "network_isolation": False, "environment": {"MAX_CONTENT_LENGTH": str(20 * 1024 * 1024)}},
])
def test_bring_your_own_handler_settings_validate(model):
    assert ServingConfig.model_validate({"models": {"main": model}}).models["main"].handler is not None


def test_fails_on_requirements_a_network_isolated_model_cannot_install(tmp_path):
    (tmp_path / "inference.py").write_text("")
    (tmp_path / "requirements.txt").write_text("# pinned\npandas==2.2.3\n")
    assert "installs ['pandas==2.2.3'] at container start" in " ".join(
        handler_problems("sklearn", "inference.py", tmp_path, multi_model=False, network_isolation=True))
    assert handler_problems("sklearn", "inference.py", tmp_path, multi_model=False, network_isolation=False) == []
def test_a_smoke_request_comes_from_the_endpoint_or_else_its_model():
    own = {"content_type": "application/json", "body": "[[1]]"}
    of_model = {"content_type": "text/csv", "body": "1"}
    serving = ServingConfig(models={"main": {"smoke_request": of_model}, "bare": {}}, endpoints={
        "own": {"variants": [{"name": "v", "model": "main"}], "smoke_request": own},
        "inherits": {"variants": [{"name": "v", "model": "main"}]},
        "none": {"variants": [{"name": "v", "model": "bare"}]},
    })
    assert serving.smoke_request_for("own").content_type == "application/json"
    assert serving.smoke_request_for("inherits").body == "1"
    assert serving.smoke_request_for("none") is None


@pytest.mark.parametrize("environment", [env.name for env in load_environments(ENVIRONMENTS)])
def test_every_configured_endpoint_can_be_smoke_tested(environment):
    # The pipeline smoke-tests every endpoint after each deploy: one without a request would fail the stage.
    serving = next(env for env in load_environments(ENVIRONMENTS) if env.name == environment).serving
    for name, endpoint in serving.endpoints.items():
        if endpoint.component_host is not None:  # each component is probed
            assert all(serving.smoke_request_for_component(name, key) is not None for key in endpoint.components), name
        else:
            assert serving.smoke_request_for(name) is not None, name


def test_every_serving_problem_names_the_environment():
    problems = problems_for("staging", endpoint(variants=[{**VARIANT, "weight": 0}], data_capture={"sampling_percentage": 200}))
    assert len(problems) == 2 and all(p.startswith("staging: serving.endpoints.api.") for p in problems)


def test_sections_validate_on_their_own_when_used_as_construct_props():
    with pytest.raises(ValidationError, match="min_capacity = 3: the floor is above the ceiling; allowed: <= max_capacity \\(2\\)"):
        AutoscalingSettings(min_capacity=3, max_capacity=2)
    with pytest.raises(ValidationError, match="size_value = None: traffic routing LINEAR shifts in steps"):
        DeploymentSettings(traffic_routing="LINEAR")
    with pytest.raises(ValidationError, match="variant names must be unique"):
        EndpointSettings(variants=[InstanceVariantSettings(**VARIANT), InstanceVariantSettings(**VARIANT)])
    with pytest.raises(ValidationError, match="uses model 'x1', which is not defined"):
        ServingConfig(endpoints={"api": {"variants": [{"name": "a", "model": "x1"}]}})
