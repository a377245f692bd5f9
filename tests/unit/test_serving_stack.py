"""The Serving stack of every real environment, from the synthesized app (the `synthesized` session fixture)."""

from __future__ import annotations

import json

import pytest

from inference_code.framework import SKLEARN_FRAMEWORK_VERSION
from stacks import adapter as model_factory

from config.serving import FrameworkImageSettings
from sagemaker_serving_cdk.rules.images import framework_image
from stacks.adapter import construct_id
from tests.environments import BY_STAGE, CONFIGURED, STAGE_IDS as STAGES, stages_where

SAGEMAKER_TYPES = ("AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint")


@pytest.fixture(scope="module")
def serving(synthesized) -> dict[str, dict]:
    templates = synthesized.templates()
    return {stage: templates[f"{stage}/Serving"] for stage in STAGES}


def resources_of(template: dict, resource_type: str) -> dict:
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == resource_type}


def by_prefix(template: dict, resource_type: str, prefix: str) -> dict:
    found = [v for k, v in resources_of(template, resource_type).items() if k.startswith(prefix)]
    assert len(found) == 1, (prefix, list(resources_of(template, resource_type)))
    return found[0]


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True)


def endpoints_where(predicate) -> list[tuple[str, str]]:
    """(stage, endpoint name) of every configured endpoint the predicate holds for."""
    return [(env.stage_id, name) for env in CONFIGURED for name, endpoint in env.serving.endpoints.items()
            if predicate(endpoint, env)]


def deployed_models(serving, stage: str, predicate):
    """(settings, Model properties) of the stage's deployed models whose settings the predicate holds for."""
    models = resources_of(serving[stage], "AWS::SageMaker::Model")
    for name, settings in BY_STAGE[stage].serving.models.items():
        found = [v for k, v in models.items() if k.startswith(f"{construct_id(name)}Model")]
        if found and predicate(settings):
            yield settings, found[0]


def config_of(serving, stage: str, endpoint: str) -> dict:
    return by_prefix(serving[stage], "AWS::SageMaker::EndpointConfig", f"{construct_id(endpoint)}Config")


def test_default_image_uses_the_handler_framework_version():
    """The serving default and the handler's training pins must name the same scikit-learn container."""
    assert model_factory.REGISTRY_PACKAGE_FRAMEWORK == ("sklearn", SKLEARN_FRAMEWORK_VERSION)
    assert FrameworkImageSettings().version == SKLEARN_FRAMEWORK_VERSION


@pytest.mark.parametrize("stage", STAGES)
def test_framework_models_pull_their_framework_image_of_the_stage_region(serving, stage):
    env = BY_STAGE[stage]
    for settings, model in deployed_models(serving, stage,
                                           lambda m: m.image.kind == "framework" and not m.is_registry_package):
        image, container = settings.image, model["PrimaryContainer"]
        assert container["Image"] == framework_image(image.framework, image.version, env.region,
                                                     python_version=image.python_version).uri


@pytest.mark.parametrize("stage", STAGES)
def test_models_and_configs_have_no_physical_names_endpoints_have_stable_ones(serving, synthesized, stage):
    names = {"AWS::SageMaker::Model": "ModelName", "AWS::SageMaker::EndpointConfig": "EndpointConfigName"}
    for resource_type, name in names.items():
        for logical_id, props in resources_of(serving[stage], resource_type).items():
            assert name not in props, logical_id
    config = synthesized.stages[stage].config
    endpoint_names = {p["EndpointName"] for p in resources_of(serving[stage], "AWS::SageMaker::Endpoint").values()}
    assert endpoint_names == {f"{config.name_prefix}-{name}" for name in config.serving.endpoints}


@pytest.mark.parametrize("stage", STAGES)
def test_endpoints_are_created_after_their_rollback_alarms_and_before_their_scaling(serving, stage):
    resources = serving[stage]["Resources"]
    for logical_id, endpoint in resources.items():
        if endpoint["Type"] != "AWS::SageMaker::Endpoint":
            continue
        rollback = endpoint["Properties"].get("DeploymentConfig", {}).get("AutoRollbackConfiguration", {})
        alarm_ids = {k for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm" and
                     r["Properties"].get("AlarmName") in {a["AlarmName"] for a in rollback.get("Alarms", [])}}
        assert len(alarm_ids) == len(rollback.get("Alarms", [])), (logical_id, "names an alarm it does not define")
        assert alarm_ids <= set(endpoint.get("DependsOn", [])), logical_id
        for alarm_id in alarm_ids:  # no reference back, or CloudFormation would see a cycle
            assert logical_id not in dumps(resources[alarm_id]), alarm_id
    for logical_id, target in resources.items():
        if target["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget":
            # A variant's instance count waits for its endpoint, a component's copy count for its component.
            scaled = {k for k, r in resources.items() if (
                r["Type"] == "AWS::SageMaker::Endpoint"
                and f"endpoint/{r['Properties']['EndpointName']}/" in target["Properties"]["ResourceId"]) or (
                r["Type"] == "AWS::SageMaker::InferenceComponent"
                and target["Properties"]["ResourceId"] == f"inference-component/{r['Properties']['InferenceComponentName']}")}
            assert len(scaled) == 1 and scaled <= set(target.get("DependsOn", [])), logical_id


@pytest.mark.parametrize("stage", STAGES)
def test_no_model_or_endpoint_config_name_leaves_the_stack(serving, synthesized, stage):
    template = serving[stage]
    assert all("Export" not in output for output in template.get("Outputs", {}).values())
    data = synthesized.templates()[f"{stage}/Data"]
    exported = {o["Export"]["Name"] for o in data["Outputs"].values() if "Export" in o}
    assert exported == {f"{synthesized.stages[stage].config.name_prefix}-{name}" for name in
                        ("DataKeyArn", "InputBucketArn", "OutputBucketArn", "ModelBucketArn", "AlarmTopicArn",
                         "AlarmTopicKeyArn")}


@pytest.mark.parametrize("stage", STAGES)
def test_outputs_name_every_configured_endpoint_by_its_stable_name(serving, stage):
    env = BY_STAGE[stage]
    expected = {f"{construct_id(name)}EndpointName": f"{env.name_prefix}-{name}" for name in env.serving.endpoints}
    assert {k: o["Value"] for k, o in serving[stage].get("Outputs", {}).items()} == expected


@pytest.mark.parametrize("stage, endpoint", endpoints_where(lambda e, _: e.serverless is not None))
def test_serverless_endpoints_have_the_configured_memory_and_concurrency_and_no_instances(serving, stage, endpoint):
    settings = BY_STAGE[stage].serving.endpoints[endpoint].serverless
    config = config_of(serving, stage, endpoint)
    (variant,) = config["ProductionVariants"]
    assert variant["ServerlessConfig"]["MemorySizeInMB"] == settings.memory_size_mb
    assert variant["ServerlessConfig"]["MaxConcurrency"] == settings.max_concurrency
    assert "InstanceType" not in variant and "KmsKeyId" not in config  # serverless has no volume to encrypt


@pytest.mark.parametrize("stage", STAGES)
def test_asset_models_are_uploaded_to_the_stage_s_bootstrap_bucket(serving, stage):
    env = BY_STAGE[stage]
    for settings, model in deployed_models(serving, stage, lambda m: m.model_data_asset):
        assert f"cdk-hnb659fds-assets-{env.account}-{env.region}" in dumps(model["PrimaryContainer"]["ModelDataUrl"])
        assert model["EnableNetworkIsolation"] is settings.network_isolation


@pytest.mark.parametrize("stage, endpoint", endpoints_where(lambda e, _: e.data_capture is not None))
def test_data_capture_samples_as_configured_with_the_data_key(serving, stage, endpoint):
    env = BY_STAGE[stage]
    config = config_of(serving, stage, endpoint)
    capture = config["DataCaptureConfig"]
    assert capture["InitialSamplingPercentage"] == env.serving.endpoints[endpoint].data_capture.sampling_percentage
    assert capture["KmsKeyId"] == {"Fn::ImportValue": f"{env.name_prefix}-DataKeyArn"}


@pytest.mark.parametrize("stage, endpoint", endpoints_where(lambda e, _: e.async_inference is not None))
def test_async_endpoints_notify_through_encrypted_topics_and_scale_on_backlog(serving, stage, endpoint):
    env = BY_STAGE[stage]
    settings = env.serving.endpoints[endpoint]
    template, prefix = serving[stage], construct_id(endpoint)
    config = config_of(serving, stage, endpoint)
    if settings.async_inference.notifications:
        notification = config["AsyncInferenceConfig"]["OutputConfig"]["NotificationConfig"]
        assert set(notification) == {"SuccessTopic", "ErrorTopic"}
        for topic in ("SuccessTopic", "ErrorTopic"):
            assert by_prefix(template, "AWS::SNS::Topic", f"{prefix}Config{topic}")["KmsMasterKeyId"] == \
                {"Fn::ImportValue": f"{env.name_prefix}-DataKeyArn"}
    for variant in settings.variants:
        if variant.autoscaling is None:
            continue
        target = by_prefix(template, "AWS::ApplicationAutoScaling::ScalableTarget",
                           f"{prefix}{construct_id(variant.name)}Scaling")
        assert target["MinCapacity"] == variant.autoscaling.min_capacity
        assert "ApproximateBacklogSizePerInstance" in dumps(resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy"))


@pytest.mark.parametrize("stage", STAGES)
def test_registry_package_models_name_the_stage_s_package_version(serving, stage):
    env = BY_STAGE[stage]
    for settings, model in deployed_models(serving, stage, lambda m: m.is_registry_package):
        assert model["PrimaryContainer"] == {"ModelPackageName": (
            f"arn:aws:sagemaker:{env.region}:{env.account}:model-package/{env.name_prefix}-models/"
            f"{settings.model_package_version}")}


@pytest.mark.parametrize("stage", STAGES)
def test_multi_model_models_read_their_prefix(serving, stage):
    for settings, model in deployed_models(serving, stage, lambda m: m.is_multi_model):
        assert model["PrimaryContainer"]["Mode"] == "MultiModel"
        assert dumps(model["PrimaryContainer"]["ModelDataUrl"]).endswith(f'/{settings.multi_model_prefix}"]]}}')


@pytest.mark.parametrize("stage, endpoint", endpoints_where(lambda e, _: bool(e.variants)))
def test_instance_variants_carry_their_configured_weights_and_counts(serving, stage, endpoint):
    settings = BY_STAGE[stage].serving.endpoints[endpoint]
    variants = config_of(serving, stage, endpoint)["ProductionVariants"]
    assert [(v["VariantName"], v["InitialVariantWeight"], v["InitialInstanceCount"], v["InstanceType"])
            for v in variants] == [(v.name, v.weight, v.initial_instance_count, v.instance_type) for v in settings.variants]


@pytest.mark.parametrize("stage, endpoint", endpoints_where(
    lambda e, _: e.deployment is not None and e.deployment.rolling is None))
def test_guarded_endpoints_follow_their_deployment_config_and_roll_back_on_their_own_alarms(serving, stage, endpoint):
    deployment = BY_STAGE[stage].serving.endpoints[endpoint].deployment
    template = serving[stage]
    resource = by_prefix(template, "AWS::SageMaker::Endpoint", f"{construct_id(endpoint)}Endpoint")
    assert resource["RetainAllVariantProperties"] is True
    routing = resource["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == deployment.traffic_routing
    if deployment.traffic_routing == "CANARY":
        assert routing["CanarySize"] == {"Type": deployment.size_type, "Value": deployment.size_value}
    if deployment.auto_rollback:
        rollback = [dumps(a["AlarmName"]) for a in resource["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]]
        # The endpoint's own two alarms (by name or by reference); the monitoring alarms of the same stack
        # (warning levels etc.) roll nothing back.
        alarms = resources_of(template, "AWS::CloudWatch::Alarm")
        known = {dumps(a["AlarmName"]) for a in alarms.values() if "AlarmName" in a} | {dumps({"Ref": k}) for k in alarms}
        assert len(rollback) == 2 and set(rollback) <= known


@pytest.mark.parametrize("stage, endpoint", endpoints_where(lambda e, _: any(v.autoscaling for v in e.variants)))
def test_autoscaled_variants_get_their_configured_capacity_and_schedules(serving, stage, endpoint):
    settings = BY_STAGE[stage].serving.endpoints[endpoint]
    for variant in settings.variants:
        if variant.autoscaling is None:
            continue
        target = by_prefix(serving[stage], "AWS::ApplicationAutoScaling::ScalableTarget",
                           f"{construct_id(endpoint)}{construct_id(variant.name)}Scaling")
        assert (target["MinCapacity"], target["MaxCapacity"]) == (variant.autoscaling.min_capacity,
                                                                 variant.autoscaling.max_capacity)
        assert [a["Timezone"] for a in target.get("ScheduledActions", [])] == \
            [schedule.timezone for schedule in variant.autoscaling.schedules]


@pytest.mark.parametrize("stage", STAGES)
def test_every_alarm_notifies_the_alarm_topic(serving, stage):
    for alarm in resources_of(serving[stage], "AWS::CloudWatch::Alarm").values():
        assert alarm["AlarmActions"], alarm
    endpoint_alarms = [a for a in resources_of(serving[stage], "AWS::CloudWatch::Alarm").values()
                       if a.get("AlarmName", "").endswith(("Errors5xxAlarm", "LatencyP99Alarm"))]
    assert endpoint_alarms
    for alarm in endpoint_alarms:
        assert alarm["AlarmActions"] == [{"Fn::ImportValue": f"{BY_STAGE[stage].name_prefix}-AlarmTopicArn"}]


@pytest.mark.parametrize("stage", STAGES)
def test_execution_role_is_least_privilege(serving, stage):
    template = serving[stage]
    (role,) = resources_of(template, "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role
    statements = [s for p in resources_of(template, "AWS::IAM::Policy").values()
                  for s in p["PolicyDocument"]["Statement"]]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        if statement["Resource"] == "*":
            assert set(actions) <= {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}, statement
    pulls = [s["Resource"] for s in statements if "ecr:BatchGetImage" in dumps(s["Action"])]
    assert all("sagemaker-scikit-learn" in dumps(r) for r in pulls)


@pytest.mark.parametrize("stage", STAGES)
def test_serving_depends_on_data(synthesized, stage):
    stage_ = synthesized.stages[stage]
    assert stage_.data in stage_.serving.dependencies


@pytest.mark.parametrize("stage", stages_where(lambda env: bool(env.batch.transforms) and env.monitoring.dashboard))
def test_dashboard_charts_the_batch_runs_by_the_state_machines_fixed_names(synthesized, stage):
    transforms = sorted(BY_STAGE[stage].batch.transforms)
    templates = synthesized.templates()
    named = sorted(r["Properties"]["StateMachineName"] for r in templates[f"{stage}/Batch"]["Resources"].values()
                   if r["Type"] == "AWS::StepFunctions::StateMachine")
    prefix = synthesized.stages[stage].config.name_prefix
    assert named == [f"{prefix}-batch-{t}" for t in transforms]
    dashboard = next(r for r in templates[f"{stage}/Serving"]["Resources"].values()
                     if r["Type"] == "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for name in named:
        assert f"stateMachine:{name}" in body
    assert "ExecutionsFailed" in body and "ExecutionsSucceeded" in body
