"""The emulator's inference components (tools/emulator_inference_components.py, fixes 12-14), in-process: moto's
own backends and response dispatch with the fixes applied, driven by boto3 as a client would. The fixes only add
what moto lacks (actions, a CloudFormation type, a variant without a model); the runtime's InvokeEndpoint patch
is undone after this module. The CDK CLI deploying a component stack is in tests/integration/."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tools import emulator_inference_components as components
from tools import emulator_sagemaker

REGION, ACCOUNT = "us-east-1", "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
HOST_VARIANT = {
    "VariantName": "AllTraffic", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
    "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2},
    "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
    "InferenceAmiVersion": "al2-ami-sagemaker-inference-gpu-2",
}
REQUIREMENTS = {"NumberOfCpuCoresRequired": 1, "MinMemoryRequiredInMb": 1024}


@pytest.fixture(scope="module", autouse=True)
def fixes():
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    components.apply_patches()
    with pytest.MonkeyPatch.context() as patch:
        for name in ("invoke_endpoint", "invoke_endpoint_async"):
            patch.setattr(SageMakerRuntimeResponse, name, getattr(SageMakerRuntimeResponse, name))
        emulator_sagemaker._patch_runtime()  # fix 8's InvokeEndpoint, which routes to components (fix 14)
        yield


@pytest.fixture
def aws():
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


@pytest.fixture
def shared(aws):
    """SageMaker with model `first` and the component-host endpoint `shared`."""
    sagemaker = aws("sagemaker")
    _model(sagemaker, "first")
    _host(sagemaker)
    return sagemaker


def _plain(sagemaker) -> None:
    """Endpoint `plain`, whose variant serves model `first` itself."""
    sagemaker.create_endpoint_config(EndpointConfigName="plain", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "first", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName="plain", EndpointConfigName="plain")


def _model(sagemaker, name: str, data: str = "s3://models/model.tar.gz") -> None:
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                           PrimaryContainer={"Image": IMAGE, "ModelDataUrl": data})


def _host(sagemaker, endpoint: str = "shared") -> None:
    """An endpoint whose one variant hosts inference components (no model of its own)."""
    sagemaker.create_endpoint_config(EndpointConfigName=f"{endpoint}-config", ExecutionRoleArn=ROLE,
                                     ProductionVariants=[HOST_VARIANT])
    sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=f"{endpoint}-config")


def _component(sagemaker, name: str, model: str, *, endpoint: str = "shared", copies: int = 1, **extra) -> None:
    sagemaker.create_inference_component(
        InferenceComponentName=name, EndpointName=endpoint, VariantName="AllTraffic",
        Specification={"ModelName": model, "ComputeResourceRequirements": REQUIREMENTS},
        RuntimeConfig={"CopyCount": copies}, **extra)


def _error(raised: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


# --------------------------------------------------------------------------------------------- fix 12


def test_an_endpoint_config_for_components_keeps_its_variant_settings_and_role(aws):
    sagemaker = aws("sagemaker")
    _host(sagemaker)
    config = sagemaker.describe_endpoint_config(EndpointConfigName="shared-config")
    assert config["ExecutionRoleArn"] == ROLE
    assert config["ProductionVariants"] == [HOST_VARIANT]
    assert sagemaker.describe_endpoint(EndpointName="shared")["EndpointStatus"] == "InService"


def test_fails_on_a_variant_model_that_does_not_exist(aws):
    with pytest.raises(ClientError) as raised:
        aws("sagemaker").create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
            {**HOST_VARIANT, "ModelName": "missing"}])
    assert f"Could not find model 'arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/missing'" in _error(raised)[1]


# --------------------------------------------------------------------------------------------- fix 13: the API


def test_component_lifecycle_through_the_api(aws):
    sagemaker = aws("sagemaker")
    for model in ("first", "second"):
        _model(sagemaker, model)
    _host(sagemaker)
    _host(sagemaker, "other")
    _component(sagemaker, "first-ic", "first", copies=2)
    _component(sagemaker, "elsewhere-ic", "first", endpoint="other")

    described = sagemaker.describe_inference_component(InferenceComponentName="first-ic")
    assert described["InferenceComponentArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-component/first-ic"
    assert (described["EndpointName"], described["VariantName"]) == ("shared", "AllTraffic")
    assert described["InferenceComponentStatus"] == "InService"
    assert described["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    assert described["Specification"] == {"ModelName": "first", "ComputeResourceRequirements": REQUIREMENTS}
    assert "FailureReason" not in described

    listed = sagemaker.list_inference_components(EndpointNameEquals="shared")["InferenceComponents"]
    assert [c["InferenceComponentName"] for c in listed] == ["first-ic"]

    rolling = {"RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
                                       "WaitIntervalInSeconds": 60}}
    sagemaker.update_inference_component(
        InferenceComponentName="first-ic", DeploymentConfig=rolling,
        Specification={"ModelName": "second", "ComputeResourceRequirements": REQUIREMENTS})
    updated = sagemaker.describe_inference_component(InferenceComponentName="first-ic")
    assert updated["Specification"]["ModelName"] == "second"
    assert updated["LastDeploymentConfig"] == rolling
    assert updated["RuntimeConfig"]["DesiredCopyCount"] == 2  # not given: unchanged

    sagemaker.update_inference_component_runtime_config(InferenceComponentName="first-ic",
                                                        DesiredRuntimeConfig={"CopyCount": 0})
    assert sagemaker.describe_inference_component(InferenceComponentName="first-ic")["RuntimeConfig"] == {
        "DesiredCopyCount": 0, "CurrentCopyCount": 0}

    sagemaker.delete_inference_component(InferenceComponentName="first-ic")
    with pytest.raises(ClientError) as raised:
        sagemaker.describe_inference_component(InferenceComponentName="first-ic")
    assert "Could not find inference component" in _error(raised)[1]
    assert [c["InferenceComponentName"] for c in sagemaker.list_inference_components()["InferenceComponents"]] == [
        "elsewhere-ic"]


@pytest.mark.parametrize("change, message", [
    ({"EndpointName": "missing"}, f"Could not find endpoint 'arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/missing'"),
    ({"VariantName": "Other"}, "variant Other not found on endpoint shared"),
    ({"Specification": {"ModelName": "missing", "ComputeResourceRequirements": REQUIREMENTS}},
     f"Could not find model 'arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/missing'"),
    ({"Specification": {"ModelName": "first"}}, "ComputeResourceRequirements.MinMemoryRequiredInMb is required"),
    ({"Specification": {"BaseInferenceComponentName": "base", "ComputeResourceRequirements": REQUIREMENTS}},
     "BaseInferenceComponentName (adapter components) is not implemented"),
    ({"Specification": {"ComputeResourceRequirements": REQUIREMENTS}}, "needs exactly one of ModelName or Container"),
    ({"InferenceComponentName": "taken"}, "Cannot create already existing inference component"),
])
def test_fails_to_create_a_component_sagemaker_would_reject(shared, change, message):
    sagemaker = shared
    _component(sagemaker, "taken", "first")
    request = {"InferenceComponentName": "new", "EndpointName": "shared", "VariantName": "AllTraffic",
               "Specification": {"ModelName": "first", "ComputeResourceRequirements": REQUIREMENTS},
               "RuntimeConfig": {"CopyCount": 1}, **change}
    with pytest.raises(ClientError) as raised:
        sagemaker.create_inference_component(**request)
    code, text, status = _error(raised)
    assert (code, status) == ("ValidationException", 400)
    assert message in text


def test_fails_to_place_a_component_on_a_variant_with_its_own_model(aws):
    sagemaker = aws("sagemaker")
    _model(sagemaker, "first")
    _plain(sagemaker)
    with pytest.raises(ClientError) as raised:
        _component(sagemaker, "ic", "first", endpoint="plain")
    assert "variant AllTraffic of endpoint plain hosts model first" in _error(raised)[1]


@pytest.mark.parametrize("change, message", [
    ({"runtime_config": {"CopyCount": -1}}, "RuntimeConfig.CopyCount is -1; it must be 0 or more"),
    ({"runtime_config": {}}, "RuntimeConfig.CopyCount is required"),
    ({"specification": {"ModelName": "first", "ComputeResourceRequirements": {"NumberOfCpuCoresRequired": 1}}},
     "ComputeResourceRequirements.MinMemoryRequiredInMb is required"),
    ({"specification": {"ModelName": "first", "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 64}}},
     "MinMemoryRequiredInMb is 64; it must be at least 128"),
    ({"name": "not_valid"}, "must match"),
])
def test_fails_on_values_the_sdk_would_not_send(aws, change, message):
    # boto3 checks these bounds before sending; a CloudFormation template reaches the same rules unchecked.
    sagemaker = aws("sagemaker")
    _model(sagemaker, "first")
    _host(sagemaker)
    request = {"name": "new", "endpoint_name": "shared", "variant_name": "AllTraffic",
               "specification": {"ModelName": "first", "ComputeResourceRequirements": REQUIREMENTS},
               "runtime_config": {"CopyCount": 1}, **change}
    from moto.sagemaker.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        components.create(ACCOUNT, REGION, **request)
    assert message in raised.value.message


# --------------------------------------------------------------------------------------------- fix 13: CloudFormation


def _template(copies: int) -> str:
    return json.dumps({"Resources": {
        "Model": {"Type": "AWS::SageMaker::Model", "Properties": {
            "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": "s3://models/m.tar.gz"}}},
        "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
            "ExecutionRoleArn": ROLE, "ProductionVariants": [HOST_VARIANT]}},
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {
            "EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}}},
        "Component": {"Type": "AWS::SageMaker::InferenceComponent", "Properties": {
            "InferenceComponentName": "stack-ic",
            "EndpointName": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, "VariantName": "AllTraffic",
            "Specification": {"ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
                              "ComputeResourceRequirements": REQUIREMENTS},
            "RuntimeConfig": {"CopyCount": copies}}},
    }, "Outputs": {
        "Ref": {"Value": {"Ref": "Component"}},
        "Status": {"Value": {"Fn::GetAtt": ["Component", "InferenceComponentStatus"]}},
        "Copies": {"Value": {"Fn::GetAtt": ["Component", "RuntimeConfig.CurrentCopyCount"]}},
        "Arn": {"Value": {"Fn::GetAtt": ["Component", "InferenceComponentArn"]}},
    }})


def _outputs(cloudformation) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName="ic")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_a_stack_creates_updates_in_place_and_deletes_a_component(aws):
    cloudformation, sagemaker = aws("cloudformation"), aws("sagemaker")
    cloudformation.create_stack(StackName="ic", TemplateBody=_template(1))
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-component/stack-ic"
    assert _outputs(cloudformation) == {"Ref": arn, "Arn": arn, "Status": "InService", "Copies": "1"}
    described = sagemaker.describe_inference_component(InferenceComponentName="stack-ic")
    assert described["RuntimeConfig"]["CurrentCopyCount"] == 1
    config = sagemaker.describe_endpoint_config(
        EndpointConfigName=sagemaker.describe_endpoint(EndpointName=described["EndpointName"])["EndpointConfigName"])
    assert config["ExecutionRoleArn"] == ROLE

    cloudformation.update_stack(StackName="ic", TemplateBody=_template(3))
    updated = sagemaker.describe_inference_component(InferenceComponentName="stack-ic")
    assert updated["RuntimeConfig"] == {"DesiredCopyCount": 3, "CurrentCopyCount": 3}
    assert updated["CreationTime"] == described["CreationTime"]  # in place, not replaced

    cloudformation.delete_stack(StackName="ic")
    assert sagemaker.list_inference_components()["InferenceComponents"] == []


def test_fails_to_create_a_stack_whose_component_has_no_memory_requirement(aws):
    template = json.loads(_template(1))
    del template["Resources"]["Component"]["Properties"]["Specification"]["ComputeResourceRequirements"]
    with pytest.raises(ClientError, match="MinMemoryRequiredInMb is required"):
        aws("cloudformation").create_stack(StackName="ic", TemplateBody=json.dumps(template))


# --------------------------------------------------------------------------------------------- fix 14: invocations


def _invoke(aws, endpoint: str = "shared", **extra):
    return aws("sagemaker-runtime").invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"1,2",
                                                    **extra)


def test_a_request_reaches_the_named_component_s_model(aws):
    # Neither artifact exists: the answer names the one the request was routed to, before any server starts.
    sagemaker = aws("sagemaker")
    _model(sagemaker, "first", "s3://models/first.tar.gz")
    _model(sagemaker, "second", "s3://models/second.tar.gz")
    _host(sagemaker)
    _component(sagemaker, "first-ic", "first")
    _component(sagemaker, "second-ic", "second")
    for name, data in (("second-ic", "s3://models/second.tar.gz"), ("first-ic", "s3://models/first.tar.gz")):
        with pytest.raises(ClientError) as raised:
            _invoke(aws, InferenceComponentName=name)
        assert f"Could not find model data at {data}." in _error(raised)[1]


def test_a_component_runs_its_own_container_and_fails_without_its_artifact(aws, shared):
    aws("s3").create_bucket(Bucket="models")
    aws("s3").put_object(Bucket="models", Key="own.tar.gz", Body=b"not read before a request")
    container = {"Image": IMAGE, "ArtifactUrl": "s3://models/own.tar.gz", "Environment": {"A": "1"}}
    shared.create_inference_component(
        InferenceComponentName="own", EndpointName="shared", VariantName="AllTraffic",
        Specification={"Container": container, "ComputeResourceRequirements": REQUIREMENTS},
        RuntimeConfig={"CopyCount": 1})
    assert components.get(ACCOUNT, REGION, "own").container() == {
        "Image": IMAGE, "ModelDataUrl": "s3://models/own.tar.gz", "Environment": {"A": "1"}, "Mode": "SingleModel"}
    with pytest.raises(ClientError) as raised:
        shared.create_inference_component(
            InferenceComponentName="missing-artifact", EndpointName="shared", VariantName="AllTraffic",
            Specification={"Container": {**container, "ArtifactUrl": "s3://models/none.tar.gz"},
                           "ComputeResourceRequirements": REQUIREMENTS},
            RuntimeConfig={"CopyCount": 1})
    assert "Could not find model data at s3://models/none.tar.gz." in _error(raised)[1]


def test_a_component_scaled_to_zero_answers_no_capacity_and_counts_the_failure(aws, shared):
    sagemaker = shared
    _component(sagemaker, "sleepy", "first", copies=0)
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            _invoke(aws, InferenceComponentName="sleepy")
        assert _error(raised) == ("ValidationError", components.NO_CAPACITY, 400)
    statistics = aws("cloudwatch").get_metric_statistics(
        Namespace="AWS/SageMaker", MetricName="NoCapacityInvocationFailures",
        Dimensions=[{"Name": "InferenceComponentName", "Value": "sleepy"}],
        StartTime="2000-01-01T00:00:00Z", EndTime="2100-01-01T00:00:00Z", Period=60, Statistics=["Sum"])
    assert sum(point["Sum"] for point in statistics["Datapoints"]) == 2


def test_fails_without_a_component_on_an_endpoint_that_hosts_components(aws, shared):
    sagemaker = shared
    _component(sagemaker, "first-ic", "first")
    with pytest.raises(ClientError) as raised:
        _invoke(aws)
    assert _error(raised) == ("ValidationError", components.HEADER_REQUIRED, 400)


def test_fails_with_a_component_on_an_endpoint_without_components(aws):
    sagemaker = aws("sagemaker")
    _model(sagemaker, "first")
    _plain(sagemaker)
    with pytest.raises(ClientError) as raised:
        _invoke(aws, "plain", InferenceComponentName="first-ic")
    assert _error(raised) == ("ValidationError", components.HEADER_NOT_ALLOWED, 400)


def test_fails_on_a_component_of_another_endpoint(aws):
    sagemaker = aws("sagemaker")
    _model(sagemaker, "first")
    _host(sagemaker)
    _host(sagemaker, "other")
    _component(sagemaker, "elsewhere", "first", endpoint="other")
    with pytest.raises(ClientError) as raised:
        _invoke(aws, InferenceComponentName="elsewhere")
    assert _error(raised)[0] == "ValidationError"
    assert "elsewhere not found on endpoint shared" in _error(raised)[1]
