"""EndpointConfig (through the adapter): variants, serverless, async inference, data capture, shadow variants, volume KMS."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from sagemaker_serving_cdk.rules.instances import accepts_volume_kms_key, has_instance_storage, is_burstable
from sagemaker_serving_cdk import EndpointConfig, InstanceVariant
from stacks.compliance import compliance_packs
from tests.unit.serving_kit import actions_of, dumps, make_kit, one_variant, only, policy_statements


@pytest.fixture
def kit(bare_stack):
    return make_kit(bare_stack)


def config_props(kit) -> dict:
    return only(kit.template().find_resources("AWS::SageMaker::EndpointConfig"))["Properties"]


def nag_rules(scope) -> set[str]:
    return {v.rule_name for pack in compliance_packs(scope) for v in pack.validate_scope(scope).violations}


# ------------------------------------------------------------------------------------ instance types


@pytest.mark.parametrize("instance_type, local", [
    ("ml.m5.large", False), ("ml.c5.xlarge", False), ("ml.g4dn.xlarge", True), ("ml.m5d.large", True),
    ("ml.c6id.large", True), ("ml.m6gd.large", True), ("ml.g5.2xlarge", True), ("ml.p4d.24xlarge", True),
    ("ml.p3.2xlarge", False), ("ml.inf2.xlarge", False), ("ml.t2.medium", False),
])
def test_knows_which_instance_types_have_local_nvme_storage(instance_type, local):
    assert has_instance_storage(instance_type) is local
    assert accepts_volume_kms_key(instance_type) is not local


@pytest.mark.parametrize("instance_type, burstable", [("ml.t2.medium", True), ("ml.t3.large", True),
                                                      ("ml.m5.large", False), ("ml.trn1.2xlarge", False)])
def test_knows_burstable_types(instance_type, burstable):
    assert is_burstable(instance_type) is burstable


def test_fails_on_a_malformed_instance_type():
    with pytest.raises(ValueError, match="expected ml.<family>.<size>"):
        has_instance_storage("m5.large")


# ------------------------------------------------------------------------------------ instance variants


def test_instance_variants_carry_weights_counts_and_timeouts(kit):
    kit.endpoint_config({"variants": [
        {"name": "a", "model": "main", "instance_type": "ml.m5.xlarge", "initial_instance_count": 2, "weight": 90,
         "volume_size_gb": 20, "container_startup_health_check_timeout_seconds": 600,
         "model_data_download_timeout_seconds": 900},
        {"name": "b", "model": "challenger", "weight": 10},
    ]})
    variants = config_props(kit)["ProductionVariants"]
    assert [(v["VariantName"], v["InitialVariantWeight"], v["InitialInstanceCount"]) for v in variants] == [
        ("a", 90, 2), ("b", 10, 1)]
    assert variants[0]["InstanceType"] == "ml.m5.xlarge" and variants[1]["InstanceType"] == "ml.m5.large"
    assert variants[0]["VolumeSizeInGB"] == 20
    assert variants[0]["ContainerStartupHealthCheckTimeoutInSeconds"] == 600
    assert variants[0]["ModelDataDownloadTimeoutInSeconds"] == 900
    assert "Challenger" in dumps(variants[1]["ModelName"])


def test_config_has_no_physical_name_and_a_resource_id(kit):
    config = kit.endpoint_config(one_variant())
    kit.template().has_resource_properties("AWS::SageMaker::EndpointConfig", {"EndpointConfigName": Match.absent()})
    assert config.endpoint_config.node.id == "Resource"
    assert config.variant_names == ("primary",)


def test_ebs_backed_variants_get_the_volume_key(kit):
    config = kit.endpoint_config(one_variant(instance_type="ml.m5.large"))
    assert "Key" in dumps(config_props(kit)["KmsKeyId"])
    assert config.volume_key_used
    assert not {r for r in nag_rules(kit.stack) if "KMSKey" in r or r.endswith("SM2")}


def test_nvme_variants_get_no_volume_key_and_the_finding_is_acknowledged(kit):
    config = kit.endpoint_config(one_variant(instance_type="ml.g4dn.xlarge"))
    assert "KmsKeyId" not in config_props(kit)
    assert not config.volume_key_used
    assert "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured" not in nag_rules(kit.stack)


def test_a_missing_volume_key_on_ebs_variants_is_a_finding(kit):
    """The gate is not silenced: without a key (and no reason SageMaker forbids one) cdk-nag reports it."""
    EndpointConfig(kit.stack, "Config", variants=[InstanceVariant(model=kit.model(), variant_name="primary")])
    assert "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured" in nag_rules(kit.stack)


def test_shadow_variant(kit):
    kit.endpoint_config({**one_variant(), "shadow_variant": {"name": "shadow", "model": "candidate",
                                                            "instance_type": "ml.c5.large"}})
    shadow = config_props(kit)["ShadowProductionVariants"]
    assert [(v["VariantName"], v["InstanceType"]) for v in shadow] == [("shadow", "ml.c5.large")]


def test_shadow_on_nvme_drops_the_volume_key(kit):
    kit.endpoint_config({**one_variant(), "shadow_variant": {"name": "shadow", "model": "main",
                                                            "instance_type": "ml.m5d.large"}})
    assert "KmsKeyId" not in config_props(kit)


# ------------------------------------------------------------------------------------ serverless


def test_serverless_variant(kit):
    config = kit.endpoint_config({"serverless": {"model": "main", "memory_size_mb": 3072, "max_concurrency": 20,
                                                 "provisioned_concurrency": 2}})
    props = config_props(kit)
    (variant,) = props["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic"
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 20, "ProvisionedConcurrency": 2}
    assert "InstanceType" not in variant and "InitialInstanceCount" not in variant
    assert "KmsKeyId" not in props
    assert config.is_serverless
    assert not {r for r in nag_rules(kit.stack) if "KMSKey" in r}


def test_fails_on_serverless_with_a_network_isolated_model(kit):
    model = kit.model("Isolated", network_isolation=True)
    with pytest.raises(ValueError, match="serverless endpoints do not support network isolation"):
        kit.endpoint_config({"serverless": {"model": "main"}}, models={"main": model})


def test_fails_on_duplicate_variant_names(kit):
    model = kit.model()
    with pytest.raises(ValueError, match=r"Test/Config: variant names = \['a'\]: variant names must be unique; allowed: each name once"):
        EndpointConfig(kit.stack, "Config", variants=[InstanceVariant(model=model, variant_name="a")] * 2)


def test_fails_on_neither_variants_nor_serverless(kit):
    with pytest.raises(ValueError, match="give variants, serverless or component_host, exactly one"):
        EndpointConfig(kit.stack, "Config")


# ------------------------------------------------------------------------------------ async inference


def test_async_inference_writes_to_the_output_bucket_and_notifies_encrypted_topics(kit):
    config = kit.endpoint_config({**one_variant(), "async_inference": {"max_concurrent_invocations_per_instance": 4}})
    template = kit.template()
    output = config_props(kit)["AsyncInferenceConfig"]["OutputConfig"]
    assert dumps(output["S3OutputPath"]).endswith('/async/test/output/"]]}')
    assert dumps(output["S3FailurePath"]).endswith('/async/test/failures/"]]}')
    assert "Key" in dumps(output["KmsKeyId"])
    assert set(output["NotificationConfig"]) == {"SuccessTopic", "ErrorTopic"}
    assert config_props(kit)["AsyncInferenceConfig"]["ClientConfig"] == {"MaxConcurrentInvocationsPerInstance": 4}
    encrypted = template.find_resources("AWS::SNS::Topic", {"Properties": {"KmsMasterKeyId": Match.any_value()}})
    assert sorted(name.rstrip("0123456789ABCDEF") for name in encrypted) == ["ConfigErrorTopic", "ConfigSuccessTopic"]
    publish = [s for s in policy_statements(template) if "sns:Publish" in actions_of(s)]
    assert "ConfigSuccessTopic" in dumps(publish) and "ConfigErrorTopic" in dumps(publish)
    assert config.is_async and config.success_topic is not None


def test_async_topics_accept_only_tls(kit):
    kit.endpoint_config({**one_variant(), "async_inference": {}})
    policies = kit.template().find_resources("AWS::SNS::TopicPolicy")
    assert len(policies) == 2
    assert all("aws:SecureTransport" in dumps(p) for p in policies.values())


def test_async_prefixes_and_notifications_are_configurable(kit):
    kit.endpoint_config({**one_variant(), "async_inference": {
        "output_prefix": "results/", "failure_prefix": "errors/", "notifications": False}})
    output = config_props(kit)["AsyncInferenceConfig"]["OutputConfig"]
    assert dumps(output["S3OutputPath"]).endswith('/results/"]]}')
    assert "NotificationConfig" not in output
    kit.template().resource_count_is("AWS::SNS::Topic", 1)  # only the kit's alarm topic


# ------------------------------------------------------------------------------------ data capture


def test_data_capture_samples_to_the_output_bucket_with_kms(kit):
    kit.endpoint_config({**one_variant(), "data_capture": {"sampling_percentage": 25, "capture_output": False,
                                                          "json_content_types": ["application/jsonlines"]}})
    capture = config_props(kit)["DataCaptureConfig"]
    assert capture["InitialSamplingPercentage"] == 25
    assert capture["EnableCapture"] is True
    assert capture["CaptureOptions"] == [{"CaptureMode": "Input"}]
    assert capture["CaptureContentTypeHeader"] == {"CsvContentTypes": ["text/csv"],
                                                   "JsonContentTypes": ["application/jsonlines"]}
    assert dumps(capture["DestinationS3Uri"]).endswith('/data-capture/test/"]]}')
    assert "Key" in dumps(capture["KmsKeyId"])
