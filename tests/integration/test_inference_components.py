"""Inference components deployed to the emulator by the unchanged CDK CLI (tools/emulator_inference_components.py,
fixes 12-14): a small CDK app of L1 resources (the demo model, an endpoint config whose variant hosts components,
the endpoint, its components), synthesized in-process and deployed with tools.deploy_local's helpers; a component
answers through the image's serving code, a redeploy changes one component in place and removes another, and
scaled to zero a component answers as SageMaker documents. The tests run in file order on one deployment."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, CfnOutput, Environment, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker

from sagemaker_serving_cdk.rules.handler import framework_model_environment
from tests.conftest import DEMO_MODEL
from stacks.application import cdk_context
from tools.deploy_local import bootstrap, check_landed, client, deploy, landed, stack_regions, stage_region, \
    stage_templates
from tools.emulator_inference_components import HEADER_REQUIRED, NO_CAPACITY
from tools.local_emulator import ACCOUNT_ID

pytestmark = pytest.mark.integration

STAGE = "ComponentsDemo"
ENDPOINT, COMPONENT, OTHER, VARIANT = "components-demo", "components-demo-ic", "components-demo-other", "AllTraffic"
BUCKET, KEY = "components-demo-models", "demo/model.tar.gz"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
ROW = ",".join(["1"] * 30).encode()  # one row of the demo model's 30 features


def component_app(outdir: Path, region: str, copies: dict[str, int]) -> Path:
    """Synthesize into `outdir` one stage with one stack of L1 SageMaker resources: the demo model, an endpoint
    whose variant hosts components, and one component of that model per entry of `copies` (name: copy count)."""
    app = App(outdir=str(outdir), context=cdk_context())
    stack = Stack(Stage(app, STAGE, env=Environment(account=ACCOUNT_ID, region=region)), "Components")
    role = iam.Role(stack, "ExecutionRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = sagemaker.CfnModel(stack, "Model", execution_role_arn=role.role_arn,
                               primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                                   image=IMAGE, model_data_url=f"s3://{BUCKET}/{KEY}",
                                   environment=framework_model_environment(region)))
    config = sagemaker.CfnEndpointConfig(
        stack, "Config", execution_role_arn=role.role_arn,
        production_variants=[sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT, instance_type="ml.m5.large", initial_instance_count=1,
            managed_instance_scaling=sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                status="ENABLED", min_instance_count=0, max_instance_count=2),
            routing_config=sagemaker.CfnEndpointConfig.RoutingConfigProperty(
                routing_strategy="LEAST_OUTSTANDING_REQUESTS"))])
    endpoint = sagemaker.CfnEndpoint(stack, "Endpoint", endpoint_name=ENDPOINT,
                                     endpoint_config_name=config.attr_endpoint_config_name)
    spec = sagemaker.CfnInferenceComponent
    for name, count in copies.items():
        component = spec(
            stack, name, inference_component_name=name, endpoint_name=endpoint.attr_endpoint_name,
            variant_name=VARIANT,
            specification=spec.InferenceComponentSpecificationProperty(
                model_name=model.attr_model_name,
                compute_resource_requirements=spec.InferenceComponentComputeResourceRequirementsProperty(
                    number_of_cpu_cores_required=1, min_memory_required_in_mb=1024)),
            runtime_config=spec.InferenceComponentRuntimeConfigProperty(copy_count=count))
        CfnOutput(stack, f"{name}-ref".replace("-", ""), value=component.ref)
        CfnOutput(stack, f"{name}-status".replace("-", ""), value=component.attr_inference_component_status)
    CfnOutput(stack, "ModelName", value=model.attr_model_name)
    app.synth()
    return outdir


def _deploy(emulator, outdir: Path) -> dict[str, str]:
    """`cdk deploy ComponentsDemo/*` of the assembly in `outdir`; every resource landed; the stack's outputs."""
    region = stage_region("Dev")
    log = outdir.parent / "cdk.log"
    cloudformation = client(emulator, region, "cloudformation")
    if "CDKToolkit" not in {s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]
                            if s["StackStatus"] != "DELETE_COMPLETE"}:  # another test may have bootstrapped
        bootstrap(emulator, region=region, outdir=outdir, log=log)
    deploy(emulator, stage=STAGE, region=region, outdir=outdir, log=log)
    rows = landed(emulator, regions=stack_regions(outdir, STAGE), templates=stage_templates(outdir, STAGE))
    check_landed(rows)
    assert {row.status for row in rows if row.resource_type == "AWS::SageMaker::InferenceComponent"} == {"deployed"}
    stack = cloudformation.describe_stacks(StackName=f"{STAGE}-Components")["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


@pytest.fixture(scope="module")
def deployed(emulator, tmp_path_factory) -> dict[str, str]:
    """Two components of the demo model, one copy each, deployed into the session's emulator."""
    region = stage_region("Dev")
    s3 = client(emulator, region, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=DEMO_MODEL.read_bytes())
    return _deploy(emulator, component_app(tmp_path_factory.mktemp("cdk.out.components"), region,
                                           {COMPONENT: 1, OTHER: 1}))


@pytest.fixture
def sagemaker_clients(emulator):
    region = stage_region("Dev")
    return client(emulator, region, "sagemaker"), client(emulator, region, "sagemaker-runtime")


def _invoke(runtime, **component):
    return runtime.invoke_endpoint(EndpointName=ENDPOINT, ContentType="text/csv", Accept="text/csv", Body=ROW,
                                   **component)


def test_a_deployed_component_answers_and_describes_itself(deployed, sagemaker_clients):
    control, runtime = sagemaker_clients
    described = control.describe_inference_component(InferenceComponentName=COMPONENT)
    assert deployed["componentsdemoicref"] == described["InferenceComponentArn"]
    assert deployed["componentsdemoicstatus"] == "InService"
    assert (described["EndpointName"], described["VariantName"]) == (ENDPOINT, VARIANT)
    assert described["Specification"]["ModelName"] == deployed["ModelName"]
    assert described["RuntimeConfig"] == {"DesiredCopyCount": 1, "CurrentCopyCount": 1}
    assert "FailureReason" not in described

    answer = _invoke(runtime, InferenceComponentName=COMPONENT)
    assert answer["Body"].read().strip() in {b"0", b"1"}
    assert answer["InvokedProductionVariant"] == VARIANT
    with pytest.raises(runtime.exceptions.ValidationError) as raised:
        _invoke(runtime)
    assert raised.value.response["Error"]["Message"] == HEADER_REQUIRED


def test_a_redeploy_changes_one_component_in_place_and_removes_the_other(emulator, deployed, sagemaker_clients,
                                                                         tmp_path_factory):
    control, _ = sagemaker_clients
    before = control.describe_inference_component(InferenceComponentName=COMPONENT)
    _deploy(emulator, component_app(tmp_path_factory.mktemp("cdk.out.components"), stage_region("Dev"),
                                    {COMPONENT: 2}))
    after = control.describe_inference_component(InferenceComponentName=COMPONENT)
    assert after["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    assert after["CreationTime"] == before["CreationTime"]  # updated, not replaced
    listed = control.list_inference_components(EndpointNameEquals=ENDPOINT)["InferenceComponents"]
    assert [c["InferenceComponentName"] for c in listed] == [COMPONENT]


def test_a_component_scaled_to_zero_answers_no_capacity_and_counts_it(emulator, deployed, sagemaker_clients):
    control, runtime = sagemaker_clients
    control.update_inference_component_runtime_config(InferenceComponentName=COMPONENT,
                                                      DesiredRuntimeConfig={"CopyCount": 0})
    assert control.describe_inference_component(InferenceComponentName=COMPONENT)["RuntimeConfig"] == {
        "DesiredCopyCount": 0, "CurrentCopyCount": 0}
    with pytest.raises(runtime.exceptions.ValidationError) as raised:
        _invoke(runtime, InferenceComponentName=COMPONENT)
    assert raised.value.response["Error"]["Message"] == NO_CAPACITY
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    metrics = client(emulator, stage_region("Dev"), "cloudwatch").list_metrics(
        Namespace="AWS/SageMaker", MetricName="NoCapacityInvocationFailures",
        Dimensions=[{"Name": "InferenceComponentName", "Value": COMPONENT}])["Metrics"]
    assert len(metrics) == 1
