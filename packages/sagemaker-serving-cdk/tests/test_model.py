"""Model: a least-privilege role by default, imports by name and ARN, errors naming the construct path."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Template

from helpers import model, only, statements
from sagemaker_serving_cdk import ContainerImage, IModel, Model, ModelData, PropsError, SageMakerExecutionRole


def test_without_a_role_the_model_gets_its_own_least_privilege_role(stack, bucket):
    created = model(stack, bucket)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    assert created.role.node.path == "Lib/Model/Role"
    policy = json.dumps(statements(template))
    # It reads exactly its artifact, not the bucket; no managed policy, no s3:*.
    assert '"/models/model.tar.gz"' in policy
    assert '"/*"' not in policy and '"s3:*"' not in policy
    assert "ManagedPolicyArns" not in json.dumps(template.find_resources("AWS::IAM::Role"))
    props = only(template, "AWS::SageMaker::Model")
    assert props["EnableNetworkIsolation"] is True


def test_a_given_role_is_used_and_no_other_is_created(stack, bucket):
    role = SageMakerExecutionRole(stack, "Shared", model_bucket=bucket)
    created = model(stack, bucket, role=role)
    Template.from_stack(stack).resource_count_is("AWS::IAM::Role", 1)
    assert created.role is role


def test_imports_satisfy_the_interface(stack):
    by_name = Model.from_model_name(stack, "ByName", "existing")
    by_arn = Model.from_model_arn(stack, "ByArn", "arn:aws:sagemaker:us-east-1:123456789012:model/other")
    assert isinstance(by_name, IModel) and isinstance(by_arn, IModel)
    assert by_arn.model_name == "other"
    assert stack.resolve(by_name.model_arn) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:us-east-1:123456789012:model/existing"]]
    }


def test_fails_on_a_model_package_with_an_image_naming_the_path_and_value(stack):
    with pytest.raises(
        PropsError,
        match=r"^Lib/Both: a model package brings its own image and data; pass "
        r"model_package_arn alone \(got image=",
    ):
        Model(stack, "Both", model_package_arn="arn:x", image=ContainerImage.from_framework("sklearn", "1.2-1"))


def test_fails_on_half_a_vpc(stack, bucket):
    with pytest.raises(
        PropsError,
        match=r"Lib/Model: VPC access needs both subnet_ids and security_group_ids "
        r"\(got \['subnet-0123456789abcdef0'\] and \[\]\)",
    ):
        model(stack, bucket, subnet_ids=["subnet-0123456789abcdef0"])


def test_fails_on_multi_model_prefix_without_slash(bucket):
    with pytest.raises(ValueError, match="multi-model prefix 'models' must end with '/'"):
        ModelData.multi_model(bucket, "models")
