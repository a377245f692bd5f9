"""Inference components, scale to zero, rolling updates, variant options and deployment events in every
configured environment's synthesized templates, checked against what each environment's config asks for."""

from __future__ import annotations

import pytest

from config.serving.variant_options import core_dump_prefix
from stacks.adapter import construct_id
from tests.environments import BY_STAGE, CONFIGURED, STAGE_IDS
from tests.unit.test_serving_stack import by_prefix, dumps, endpoints_where, resources_of

HOSTS = endpoints_where(lambda e, _: e.component_host is not None)
COMPONENTS = [(stage, endpoint, key) for stage, endpoint in HOSTS
              for key in BY_STAGE[stage].serving.endpoints[endpoint].components]
ROLLING_ENDPOINTS = endpoints_where(lambda e, _: e.deployment is not None and e.deployment.rolling is not None)
WITH_OPTIONS = [(stage, endpoint, v.name) for stage, endpoint in endpoints_where(lambda e, _: True)
                for v in BY_STAGE[stage].serving.endpoints[endpoint].variants
                if v.routing or v.inference_ami_version or v.core_dump or v.enable_ssm_access]


@pytest.fixture(scope="module")
def templates(synthesized) -> dict[str, dict]:
    return synthesized.templates()


def serving(templates, stage: str) -> dict:
    return templates[f"{stage}/Serving"]


def component_resource(templates, stage: str, endpoint: str, key: str) -> tuple[str, dict]:
    name = BY_STAGE[stage].inference_component_name(endpoint, key)
    (found,) = [(k, r) for k, r in serving(templates, stage)["Resources"].items()
                if r["Type"] == "AWS::SageMaker::InferenceComponent"
                and r["Properties"]["InferenceComponentName"] == name]
    return found


def test_the_configured_environments_show_every_issue_15_shape():
    """Some environment hosts two or more components on one instance type with one scaling to zero, and some
    endpoint updates by rolling batches (the issue's "done when"); which ones is config's business."""
    assert any(len(BY_STAGE[s].serving.endpoints[e].components) >= 2 for s, e in HOSTS)
    assert any(BY_STAGE[s].serving.endpoints[e].components[k].scales_to_zero for s, e, k in COMPONENTS)
    assert ROLLING_ENDPOINTS


@pytest.mark.parametrize("stage, endpoint", HOSTS)
def test_a_component_host_config_has_no_model_an_execution_role_and_managed_scaling(templates, stage, endpoint):
    settings = BY_STAGE[stage].serving.endpoints[endpoint].component_host
    config = by_prefix(serving(templates, stage), "AWS::SageMaker::EndpointConfig", f"{construct_id(endpoint)}Config")
    (variant,) = config["ProductionVariants"]
    assert "ModelName" not in variant and "ExecutionRoleArn" in config
    assert variant["InstanceType"] == settings.instance_type
    assert variant["VariantName"] == settings.variant_name
    scaling = settings.managed_scaling
    if scaling is not None:
        assert variant["ManagedInstanceScaling"] == {"Status": "ENABLED", "MinInstanceCount": scaling.min_instance_count,
                                                     "MaxInstanceCount": scaling.max_instance_count}
    if settings.routing:
        assert variant["RoutingConfig"] == {"RoutingStrategy": settings.routing}


@pytest.mark.parametrize("stage, endpoint", HOSTS)
def test_a_component_host_endpoint_has_no_endpoint_level_guardrail(templates, stage, endpoint):
    # Its components roll their own updates back on their own alarms.
    endpoint_resource = by_prefix(serving(templates, stage), "AWS::SageMaker::Endpoint", f"{construct_id(endpoint)}Endpoint")
    assert "DeploymentConfig" not in endpoint_resource


@pytest.mark.parametrize("stage, endpoint, key", COMPONENTS)
def test_each_component_places_its_model_with_its_compute_and_copies(templates, stage, endpoint, key):
    settings = BY_STAGE[stage].serving.endpoints[endpoint].components[key]
    logical_id, resource = component_resource(templates, stage, endpoint, key)
    props = resource["Properties"]
    assert logical_id.startswith(f"{construct_id(endpoint)}{construct_id(key)}Component")
    requirements = props["Specification"]["ComputeResourceRequirements"]
    assert requirements["NumberOfCpuCoresRequired"] == settings.cpu_cores
    assert requirements["MinMemoryRequiredInMb"] == settings.memory_mb
    assert props["RuntimeConfig"] == {"CopyCount": settings.copy_count}
    # After the endpoint (GetAtt), on the model the config names.
    assert props["EndpointName"]["Fn::GetAtt"][1] == "EndpointName"
    model_id = props["Specification"]["ModelName"]["Fn::GetAtt"][0]
    assert model_id.startswith(f"{construct_id(settings.model)}Model")


@pytest.mark.parametrize("stage, endpoint, key", COMPONENTS)
def test_each_component_rolls_its_updates_and_rolls_back_on_its_own_alarms(templates, stage, endpoint, key):
    settings = BY_STAGE[stage].serving.endpoints[endpoint].components[key]
    logical_id, resource = component_resource(templates, stage, endpoint, key)
    alarms = resources_of(serving(templates, stage), "AWS::CloudWatch::Alarm")
    own = {k for k, a in alarms.items()
           if a.get("Dimensions") == [{"Name": "InferenceComponentName",
                                       "Value": resource["Properties"]["InferenceComponentName"]}]}
    deployment = settings.deployment
    if deployment is None:
        assert "DeploymentConfig" not in resource["Properties"]
        return
    policy = resource["Properties"]["DeploymentConfig"]["RollingUpdatePolicy"]
    assert policy["MaximumBatchSize"] == {"Type": deployment.rolling.batch_size_type, "Value": deployment.rolling.batch_size}
    assert policy["WaitIntervalInSeconds"] == deployment.rolling.wait_interval_seconds
    if deployment.auto_rollback:
        named = {dumps(a["AlarmName"])
                 for a in resource["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]}
        rollback = {k for k in own if dumps(alarms[k].get("AlarmName")) in named or dumps({"Ref": k}) in named}
        assert len(rollback) == len(named) == 2, named
        assert rollback <= set(resource.get("DependsOn", [])), "the component must wait for its rollback alarms"


@pytest.mark.parametrize("stage, endpoint, key", COMPONENTS)
def test_copy_count_scales_within_its_bounds_and_wakes_from_zero(templates, stage, endpoint, key):
    settings = BY_STAGE[stage].serving.endpoints[endpoint].components[key]
    template = serving(templates, stage)
    name = BY_STAGE[stage].inference_component_name(endpoint, key)
    targets = {k: r for k, r in resources_of(template, "AWS::ApplicationAutoScaling::ScalableTarget").items()
               if r["ResourceId"] == f"inference-component/{name}"}
    if settings.autoscaling is None:
        assert targets == {}
        return
    ((target_id, target),) = targets.items()
    assert target["ScalableDimension"] == "sagemaker:inference-component:DesiredCopyCount"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (settings.autoscaling.min_copies,
                                                              settings.autoscaling.max_copies)
    policies = [p for p in resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
                if p.get("ScalingTargetId") == {"Ref": target_id}]
    tracking = [p for p in policies if p["PolicyType"] == "TargetTrackingScaling"]
    assert len(tracking) == 1
    steps = [p for p in policies if p["PolicyType"] == "StepScaling"]
    if not settings.scales_to_zero:
        assert steps == []
        return
    (step,) = steps
    step_config = step["StepScalingPolicyConfiguration"]
    assert step_config["AdjustmentType"] == "ChangeInCapacity"
    assert step_config["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    wake = [a for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
            if a.get("MetricName") == "NoCapacityInvocationFailures" and a.get("AlarmActions")
            and "Ref" in a["AlarmActions"][0]]
    assert len(wake) == 1
    # One refused request wakes it: >= 1 (the docs' > 1 would need two in a minute).
    assert (wake[0]["ComparisonOperator"], wake[0]["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert wake[0]["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("stage, endpoint", HOSTS)
def test_scale_to_zero_components_sit_on_a_host_that_can_release_its_instances(stage, endpoint):
    settings = BY_STAGE[stage].serving.endpoints[endpoint]
    if any(c.scales_to_zero for c in settings.components.values()):
        assert settings.component_host.managed_scaling.min_instance_count == 0


@pytest.mark.parametrize("stage, endpoint", ROLLING_ENDPOINTS)
def test_rolling_endpoints_update_in_batches_and_roll_back_on_their_own_alarms(templates, stage, endpoint):
    rolling = BY_STAGE[stage].serving.endpoints[endpoint].deployment.rolling
    resource = by_prefix(serving(templates, stage), "AWS::SageMaker::Endpoint", f"{construct_id(endpoint)}Endpoint")
    config = resource["DeploymentConfig"]
    assert "BlueGreenUpdatePolicy" not in config
    policy = config["RollingUpdatePolicy"]
    assert policy["MaximumBatchSize"] == {"Type": rolling.batch_size_type, "Value": rolling.batch_size}
    assert policy["WaitIntervalInSeconds"] == rolling.wait_interval_seconds
    if rolling.rollback_batch_size is not None:
        assert policy["RollbackMaximumBatchSize"] == {"Type": rolling.batch_size_type,
                                                      "Value": rolling.rollback_batch_size}
    names = {dumps(a["AlarmName"]) for a in config["AutoRollbackConfiguration"]["Alarms"]}
    alarms = resources_of(serving(templates, stage), "AWS::CloudWatch::Alarm")
    assert len(names) == 2 and names <= {dumps(a["AlarmName"]) for a in alarms.values() if "AlarmName" in a}


@pytest.mark.parametrize("stage, endpoint, variant", WITH_OPTIONS)
def test_variant_options_reach_the_endpoint_config(templates, stage, endpoint, variant):
    settings = next(v for v in BY_STAGE[stage].serving.endpoints[endpoint].variants if v.name == variant)
    config = by_prefix(serving(templates, stage), "AWS::SageMaker::EndpointConfig", f"{construct_id(endpoint)}Config")
    (found,) = [v for v in config["ProductionVariants"] if v["VariantName"] == variant]
    assert found.get("RoutingConfig", {}).get("RoutingStrategy") == settings.routing
    assert found.get("InferenceAmiVersion") == settings.inference_ami_version
    assert found.get("EnableSSMAccess", False) == settings.enable_ssm_access
    if settings.core_dump:
        dump = found["CoreDumpConfig"]
        assert dumps(dump["DestinationS3Uri"]).endswith(f'/{core_dump_prefix(endpoint)}"]]}}')
        assert "KmsKeyId" in dump
        # NVMe types take no volume key; the config must not ask for one.
    if settings.instance_type.startswith("ml.g4dn."):
        assert "KmsKeyId" not in config


@pytest.mark.parametrize("stage", STAGE_IDS)
def test_endpoint_deployment_state_changes_reach_the_alarm_topic(templates, stage):
    data = templates[f"{stage}/Data"]
    prefix = BY_STAGE[stage].name_prefix
    (rule_id, rule), = [(k, r) for k, r in data["Resources"].items() if r["Type"] == "AWS::Events::Rule"]
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.sagemaker"]
    assert set(pattern["detail-type"]) == {"SageMaker Endpoint Deployment State Change", "SageMaker Endpoint State Change"}
    assert f"endpoint/{prefix}-" in dumps(pattern["resources"])
    (target,) = rule["Properties"]["Targets"]
    topics = [k for k, r in data["Resources"].items() if r["Type"] == "AWS::SNS::Topic"]
    assert target["Arn"] in [{"Ref": t} for t in topics]
    assert "InputTransformer" in target


def test_ssm_access_is_never_enabled_in_a_production_environment():
    for env in CONFIGURED:
        if env.production:
            for endpoint in env.serving.endpoints.values():
                assert not any(v.enable_ssm_access for v in endpoint.all_instance_variants)
                assert not (endpoint.component_host and endpoint.component_host.enable_ssm_access)
