"""The Serving stack of every real environment, from the synthesized app (the `synthesized` session fixture)."""

from __future__ import annotations

import json

import pytest

from inference_code.framework import SKLEARN_FRAMEWORK_VERSION
from stacks import model_factory

STAGES = ["Dev", "Staging", "Prod"]
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


def test_default_image_uses_the_handler_framework_version(serving):
    """The serving default and the handler's training pins must name the same scikit-learn container."""
    assert model_factory.REGISTRY_PACKAGE_FRAMEWORK == ("sklearn", SKLEARN_FRAMEWORK_VERSION)
    image = by_prefix(serving["Prod"], "AWS::SageMaker::Model", "ChampionModel")["PrimaryContainer"]["Image"]
    assert image == f"246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:{SKLEARN_FRAMEWORK_VERSION}-cpu-py3"


@pytest.mark.parametrize("stage", STAGES)
def test_models_and_endpoint_configs_have_no_physical_names_endpoints_a_stable_one(serving, synthesized, stage):
    # ARCHITECTURE section 4: configs are replaced on every change (a fixed name would collide with its own
    # replacement); endpoints are called by name, <name_prefix>-<endpoint>.
    for resource_type, name in {"AWS::SageMaker::Model": "ModelName",
                                "AWS::SageMaker::EndpointConfig": "EndpointConfigName"}.items():
        for logical_id, props in resources_of(serving[stage], resource_type).items():
            assert name not in props, logical_id
    config = synthesized.stages[stage].config
    names = sorted(props["EndpointName"] for props in resources_of(serving[stage], "AWS::SageMaker::Endpoint").values())
    assert names == sorted(f"{config.name_prefix}-{endpoint}" for endpoint in config.serving.endpoints)


@pytest.mark.parametrize("stage", STAGES)
def test_no_model_or_endpoint_config_name_leaves_the_stack(serving, synthesized, stage):
    template = serving[stage]
    assert all("Export" not in output for output in template.get("Outputs", {}).values())
    data = synthesized.templates()[f"{stage}/Data"]
    exported = {o["Export"]["Name"] for o in data["Outputs"].values() if "Export" in o}
    assert exported == {f"{synthesized.stages[stage].config.name_prefix}-{name}" for name in
                        ("DataKeyArn", "InputBucketArn", "OutputBucketArn", "ModelBucketArn", "AlarmTopicArn")}


@pytest.mark.parametrize("stage, endpoints", [
    ("Dev", {"RealtimeEndpointName"}),
    ("Staging", {"RealtimeEndpointName", "AsyncEndpointName", "MultiModelEndpointName"}),
    ("Prod", {"RealtimeEndpointName"}),
])
def test_outputs_name_the_endpoints(serving, stage, endpoints):
    assert set(serving[stage]["Outputs"]) == endpoints
    for output in serving[stage]["Outputs"].values():
        assert output["Value"]["Fn::GetAtt"][1] == "EndpointName"


def test_dev_serves_the_demo_model_asset_serverless(serving, synthesized):
    template = serving["Dev"]
    (config,) = resources_of(template, "AWS::SageMaker::EndpointConfig").values()
    (variant,) = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    assert "InstanceType" not in variant and "KmsKeyId" not in config
    (model,) = resources_of(template, "AWS::SageMaker::Model").values()
    assert "cdk-hnb659fds-assets-111111111111-us-east-1" in dumps(model["PrimaryContainer"]["ModelDataUrl"])
    assert model["EnableNetworkIsolation"] is False  # serverless supports no network isolation
    assert resources_of(template, "AWS::ApplicationAutoScaling::ScalableTarget") == {}


def test_staging_captures_every_request_with_kms(serving):
    config = by_prefix(serving["Staging"], "AWS::SageMaker::EndpointConfig", "RealtimeConfig")
    assert [v["VariantName"] for v in config["ProductionVariants"]] == ["primary"]
    capture = config["DataCaptureConfig"]
    assert capture["InitialSamplingPercentage"] == 100
    assert capture["KmsKeyId"] == {"Fn::ImportValue": "mlinf-staging-DataKeyArn"}
    assert config["KmsKeyId"] == {"Fn::ImportValue": "mlinf-staging-DataKeyArn"}


def test_staging_async_endpoint_serves_a_registry_package_and_scales_from_zero(serving):
    template = serving["Staging"]
    model = by_prefix(template, "AWS::SageMaker::Model", "RegisteredModel")
    assert model["PrimaryContainer"] == {
        "ModelPackageName": "arn:aws:sagemaker:us-east-1:222222222222:model-package/mlinf-staging-models/1"}
    config = by_prefix(template, "AWS::SageMaker::EndpointConfig", "AsyncConfig")
    notification = config["AsyncInferenceConfig"]["OutputConfig"]["NotificationConfig"]
    assert set(notification) == {"SuccessTopic", "ErrorTopic"}
    for topic in ("AsyncConfigSuccessTopic", "AsyncConfigErrorTopic"):
        assert by_prefix(template, "AWS::SNS::Topic", topic)["KmsMasterKeyId"] == {"Fn::ImportValue": "mlinf-staging-DataKeyArn"}
    target = by_prefix(template, "AWS::ApplicationAutoScaling::ScalableTarget", "AsyncPrimaryScaling")
    assert target["MinCapacity"] == 0
    policies = resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    assert {p["PolicyType"] for p in policies} == {"TargetTrackingScaling", "StepScaling"}
    assert "ApproximateBacklogSizePerInstance" in dumps(list(policies))


def test_staging_multi_model_endpoint(serving):
    model = by_prefix(serving["Staging"], "AWS::SageMaker::Model", "MultiModel")
    assert model["PrimaryContainer"]["Mode"] == "MultiModel"
    assert dumps(model["PrimaryContainer"]["ModelDataUrl"]).endswith('/models/multi/"]]}')


def test_prod_is_a_weighted_ab_test_with_canary_rollback_and_autoscaling(serving):
    template = serving["Prod"]
    config = by_prefix(template, "AWS::SageMaker::EndpointConfig", "RealtimeConfig")
    assert [(v["VariantName"], v["InitialVariantWeight"]) for v in config["ProductionVariants"]] == [
        ("champion", 90), ("challenger", 10)]
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 20
    endpoint = by_prefix(template, "AWS::SageMaker::Endpoint", "RealtimeEndpoint")
    assert endpoint["RetainAllVariantProperties"] is True
    routing = endpoint["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY" and routing["CanarySize"] == {"Type": "CAPACITY_PERCENT", "Value": 10}
    rollback = {a["AlarmName"] for a in endpoint["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]}
    # The endpoint's own two alarms; the monitoring alarms of the same stack (warning levels etc.) roll nothing back.
    alarms = {a["AlarmName"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
              if a["AlarmName"].endswith(("Errors5xxAlarm", "LatencyP99Alarm"))}
    assert rollback == alarms and len(rollback) == 2
    targets = resources_of(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert sorted((t["MinCapacity"], t["MaxCapacity"]) for t in targets.values()) == [(1, 3), (2, 8)]
    champion = by_prefix(template, "AWS::ApplicationAutoScaling::ScalableTarget", "RealtimeChampionScaling")
    assert [a["Timezone"] for a in champion["ScheduledActions"]] == ["America/Los_Angeles"] * 2
    tracking = [p["TargetTrackingScalingPolicyConfiguration"] for p in
                resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()]
    assert {t["TargetValue"] for t in tracking} == {600}


@pytest.mark.parametrize("stage", STAGES)
def test_every_alarm_notifies_the_alarm_topic(serving, stage):
    for alarm in resources_of(serving[stage], "AWS::CloudWatch::Alarm").values():
        assert alarm["AlarmActions"], alarm
    endpoint_alarms = [a for a in resources_of(serving[stage], "AWS::CloudWatch::Alarm").values()
                       if a.get("AlarmName", "").endswith(("Errors5xxAlarm", "LatencyP99Alarm"))]
    assert endpoint_alarms
    for alarm in endpoint_alarms:
        assert alarm["AlarmActions"] == [{"Fn::ImportValue": f"mlinf-{stage.lower()}-AlarmTopicArn"}]


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


@pytest.mark.parametrize("stage, transforms", [("Staging", ["scoring"]), ("Prod", ["nightly", "scoring"])])
def test_dashboard_charts_the_batch_runs_by_the_state_machines_fixed_names(synthesized, stage, transforms):
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
