"""EndpointConfig: typed variants holding an IModel, serverless rules, async and data capture props."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template

from helpers import model, only
from sagemaker_serving_cdk import (
    AsyncInference,
    DataCapture,
    EndpointConfig,
    IEndpointConfig,
    InstanceVariant,
    PropsError,
    ServerlessVariant,
    ShadowVariant,
)


def test_variants_refer_to_their_models(stack, bucket, key):
    champion, challenger = model(stack, bucket, "Champion"), model(stack, bucket, "Challenger")
    EndpointConfig(
        stack,
        "Config",
        volume_key=key,
        variants=[
            InstanceVariant(
                model=champion,
                variant_name="champion",
                initial_weight=0.9,
                container_startup_health_check_timeout=Duration.minutes(10),
            ),
            InstanceVariant(model=challenger, variant_name="challenger", initial_weight=0.1),
        ],
        shadow_variants=[ShadowVariant(model=challenger, variant_name="shadow")],
    )
    props = only(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")
    first = props["ProductionVariants"][0]
    assert first["ModelName"] == {"Fn::GetAtt": [stack.get_logical_id(champion.model), "ModelName"]}
    assert (first["InitialVariantWeight"], first["ContainerStartupHealthCheckTimeoutInSeconds"]) == (0.9, 600)
    assert props["ShadowProductionVariants"][0]["VariantName"] == "shadow"
    assert "KmsKeyId" in props


def test_async_and_capture_write_with_the_key_and_the_model_role_may(stack, bucket, key):
    served = model(stack, bucket)
    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(model=served, variant_name="main")],
        async_inference=AsyncInference(
            output_bucket=bucket, output_prefix="async/out/", failure_prefix="async/err/", key=key
        ),
        data_capture=DataCapture(bucket=bucket, prefix="capture/", key=key, sampling_percentage=10),
    )
    assert config.is_async and not config.is_serverless
    assert config.success_topic is not None and config.error_topic is not None
    props = only(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")
    assert props["DataCaptureConfig"]["InitialSamplingPercentage"] == 10


def test_fails_on_serverless_with_network_isolation(stack, bucket):
    isolated = model(stack, bucket)  # network isolation is on by default
    with pytest.raises(
        PropsError,
        match=r"^Lib/Config: model.network_isolation = True: serverless endpoints do not support network "
        r"isolation; allowed: False",
    ):
        EndpointConfig(stack, "Config", serverless=ServerlessVariant(model=isolated))


def test_fails_on_a_shadow_variant_in_the_production_list(stack, bucket):
    served = model(stack, bucket)
    with pytest.raises(PropsError, match=r"variants must be InstanceVariant values \(got \['ShadowVariant'\]\)"):
        EndpointConfig(stack, "Config", variants=[ShadowVariant(model=served, variant_name="s")])


def test_imported_configs_satisfy_the_interface(stack):
    imported = EndpointConfig.from_endpoint_config_name(stack, "Imported", "existing-config")
    assert isinstance(imported, IEndpointConfig)
    assert imported.endpoint_config_name == "existing-config"


def test_fails_on_serverless_capacity_sagemaker_rejects(stack, bucket):
    # ProductionVariantServerlessConfig: memory in 1 GB steps of 1024-6144 MB, concurrency 1-200.
    served = model(stack, bucket, network_isolation=False)
    with pytest.raises(PropsError, match=r"serverless.memory_size_mb = 1500: .*allowed: 1024, 2048"):
        EndpointConfig(stack, "Config", serverless=ServerlessVariant(model=served, memory_size_mb=1500))


def test_fails_on_a_shadow_variant_of_an_async_endpoint(stack, bucket, key):
    served = model(stack, bucket)
    with pytest.raises(PropsError, match=r"shadow_variants = \['s'\]: shadow variants are not supported on async"):
        EndpointConfig(
            stack,
            "Config",
            variants=[InstanceVariant(model=served, variant_name="main")],
            shadow_variants=[ShadowVariant(model=served, variant_name="s")],
            async_inference=AsyncInference(bucket, "o/", "f/", key),
        )


def test_fails_on_data_capture_that_captures_nothing(stack, bucket, key):
    served = model(stack, bucket)
    nothing = DataCapture(bucket, "c/", key, sampling_percentage=101, capture_input=False, capture_output=False)
    with pytest.raises(PropsError, match=r"data_capture.sampling_percentage = 101.*data_capture.capture_input = False"):
        EndpointConfig(
            stack, "Config", variants=[InstanceVariant(model=served, variant_name="main")], data_capture=nothing
        )
