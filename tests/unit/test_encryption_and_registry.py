"""EncryptionKey and ModelRegistry."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Template

from sagemaker_serving_cdk import EncryptionKey
from sagemaker_serving_cdk import ModelRegistry


def test_data_key_rotates_and_has_an_alias(bare_stack):
    EncryptionKey(bare_stack, "DataKey", alias="mlinf-test-data", removal_policy=RemovalPolicy.RETAIN)
    template = Template.from_stack(bare_stack)
    template.has_resource("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True},
                                            "DeletionPolicy": "Retain"})
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/mlinf-test-data"})


def test_destroyed_data_key_waits_the_full_pending_window(bare_stack):
    EncryptionKey(bare_stack, "DataKey", alias="a-b", removal_policy=RemovalPolicy.DESTROY)
    Template.from_stack(bare_stack).has_resource(
        "AWS::KMS::Key", {"Properties": {"PendingWindowInDays": 30}, "DeletionPolicy": "Delete"})


def test_model_registry_is_a_named_package_group(bare_stack):
    registry = ModelRegistry(bare_stack, "Registry", group_name="mlinf-test-models", description="d",
                             removal_policy=RemovalPolicy.RETAIN)
    Template.from_stack(bare_stack).has_resource("AWS::SageMaker::ModelPackageGroup", {
        "Properties": {"ModelPackageGroupName": "mlinf-test-models", "ModelPackageGroupDescription": "d"},
        "DeletionPolicy": "Retain",
    })
    assert registry.model_package_arn(3).endswith(":sagemaker:us-east-1:123456789012:model-package/mlinf-test-models/3")
