"""EndpointConfig(component_host=...): a variant with no model under managed instance scaling, and the
variant options every instance variant shares (routing, AMI, SSM access, core dumps)."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack, aws_kms as kms, aws_s3 as s3
from aws_cdk.assertions import Template

from helpers import model, only, statements
from sagemaker_serving_cdk import (
    AsyncInference,
    ComponentHostVariant,
    CoreDump,
    EndpointConfig,
    InferenceAmiVersion,
    InstanceVariant,
    ManagedInstanceScaling,
    PropsError,
    RoutingStrategy,
    SageMakerExecutionRole,
    ScaleInPolicy,
    ScaleInStrategy,
)

HOST = ComponentHostVariant(
    instance_type="ml.g5.2xlarge",
    initial_instance_count=1,
    managed_scaling=ManagedInstanceScaling(
        max_instance_count=4,
        min_instance_count=0,
        scale_in_policy=ScaleInPolicy(strategy=ScaleInStrategy.CONSOLIDATION, cooldown=Duration.minutes(10)),
    ),
    routing=RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
    inference_ami_version=InferenceAmiVersion.AL2_AMI_SAGEMAKER_INFERENCE_GPU_2_1,
    enable_ssm_access=True,
)


@pytest.fixture(scope="module")
def host_template() -> Template:
    stack = Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})
    bucket, key = s3.Bucket(stack, "Output"), kms.Key(stack, "Key")
    role = SageMakerExecutionRole(stack, "Role")
    host = ComponentHostVariant(**{**HOST.__dict__, "core_dump": CoreDump(bucket, "core-dumps/llm/", key)})
    EndpointConfig(stack, "Config", component_host=host, execution_role=role, volume_key=key)
    return Template.from_stack(stack)


def test_the_host_variant_has_no_model_and_managed_scaling(host_template):
    props = only(host_template, "AWS::SageMaker::EndpointConfig")
    (variant,) = props["ProductionVariants"]
    assert "ModelName" not in variant
    assert variant["VariantName"] == "AllTraffic" and variant["InstanceType"] == "ml.g5.2xlarge"
    assert variant["ManagedInstanceScaling"] == {
        "Status": "ENABLED",
        "MinInstanceCount": 0,
        "MaxInstanceCount": 4,
        "ScaleInPolicy": {"Strategy": "CONSOLIDATION", "CooldownInMinutes": 10},
    }
    assert props["ExecutionRoleArn"]["Fn::GetAtt"][0].startswith("Role")


def test_variant_options_reach_the_template(host_template):
    (variant,) = only(host_template, "AWS::SageMaker::EndpointConfig")["ProductionVariants"]
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    assert variant["InferenceAmiVersion"] == "al2-ami-sagemaker-inference-gpu-2-1"
    assert variant["EnableSSMAccess"] is True
    dump = variant["CoreDumpConfig"]
    assert "core-dumps/llm/" in str(dump["DestinationS3Uri"]) and "KmsKeyId" in dump


def test_nvme_host_drops_the_volume_key(host_template):
    assert "KmsKeyId" not in only(host_template, "AWS::SageMaker::EndpointConfig")


def test_the_execution_role_writes_core_dumps_under_the_prefix_only(host_template):
    granted = statements(host_template)
    put = [s for s in granted if s["Action"] == "s3:PutObject"]
    assert len(put) == 1 and put[0]["Resource"]["Fn::Join"][1][-1] == "/core-dumps/llm/*"
    kms_actions = {a for s in granted if "kms:Encrypt" in s["Action"] for a in s["Action"]}
    assert kms_actions == {"kms:Encrypt", "kms:GenerateDataKey"}


def test_defaults_leave_the_variant_unchanged(stack, bucket):
    EndpointConfig(stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main")])
    (variant,) = only(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["ProductionVariants"]
    for option in ("RoutingConfig", "InferenceAmiVersion", "EnableSSMAccess", "CoreDumpConfig"):
        assert option not in variant


def test_fails_listing_every_host_problem(stack, bucket):
    host = ComponentHostVariant(
        instance_type="ml.m5.3xlarge",
        initial_instance_count=5,
        managed_scaling=ManagedInstanceScaling(max_instance_count=2, min_instance_count=1),
        routing="FASTEST",  # type: ignore[arg-type]
    )
    variant = InstanceVariant(model=model(stack, bucket), variant_name="main")
    with pytest.raises(PropsError) as raised:
        EndpointConfig(
            stack,
            "Config",
            component_host=host,
            variants=[variant],
            async_inference=AsyncInference(bucket, "o/", "f/", kms.Key(stack, "K")),
        )
    message = str(raised.value)
    assert raised.value.path == "Lib/Config"
    for expected in (
        "component_host.instance_type = 'ml.m5.3xlarge'",
        "component_host.initial_instance_count = 5",
        "component_host.routing = 'FASTEST'",
        "variants = ['main']",
        "async_inference = True",
        "execution_role = None",
    ):
        assert expected in message


def test_fails_on_a_model_variant_as_host(stack, bucket):
    variant = InstanceVariant(model=model(stack, bucket), variant_name="main")
    role = SageMakerExecutionRole(stack, "Role")
    with pytest.raises(PropsError, match=r"component_host.model = 'set': on a component host the inference"):
        EndpointConfig(stack, "Config", component_host=variant, execution_role=role)  # type: ignore[arg-type]


def test_fails_on_an_execution_role_without_a_host(stack, bucket):
    variant = InstanceVariant(model=model(stack, bucket), variant_name="main")
    with pytest.raises(PropsError, match="execution_role is set"):
        EndpointConfig(stack, "Config", variants=[variant], execution_role=SageMakerExecutionRole(stack, "Role"))


def test_fails_on_an_unknown_ami_version_of_an_instance_variant(stack, bucket):
    variant = InstanceVariant(model=model(stack, bucket), variant_name="main", inference_ami_version="al2-gpu-9")  # type: ignore[arg-type]
    with pytest.raises(PropsError, match=r"variant 'main'.inference_ami_version = 'al2-gpu-9'"):
        EndpointConfig(stack, "Config", variants=[variant])
