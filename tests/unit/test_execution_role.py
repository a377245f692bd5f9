"""SageMakerExecutionRole: who may assume it and exactly what it may do."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_kms as kms, aws_s3 as s3
from aws_cdk.assertions import Match, Template

from sagemaker_serving_cdk import SageMakerExecutionRole

FRAMEWORK_REPO = "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn"


@pytest.fixture
def role_template(bare_stack) -> Template:
    key = kms.Key(bare_stack, "Key")
    buckets = {name: s3.Bucket(bare_stack, name, encryption_key=key) for name in ("Models", "Input", "Output")}
    SageMakerExecutionRole(
        bare_stack, "ExecutionRole", model_bucket=buckets["Models"], input_bucket=buckets["Input"],
        output_bucket=buckets["Output"], image_repository_arns=[FRAMEWORK_REPO],
    )
    return Template.from_stack(bare_stack)


def statements(template: Template) -> list[dict]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def bucket_ref(template: Template, bucket_id: str) -> str:
    return next(k for k in template.find_resources("AWS::S3::Bucket") if k.startswith(bucket_id))


def actions_on(template: Template, bucket_id: str) -> set[str]:
    logical_id = bucket_ref(template, bucket_id)
    found = set()
    for statement in statements(template):
        if logical_id in json.dumps(statement["Resource"]):
            actions = statement["Action"]
            found.update([actions] if isinstance(actions, str) else actions)
    return found


def test_only_sagemaker_of_this_account_may_assume_it(role_template):
    role_template.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }]}})


def test_has_no_managed_policies(role_template):
    role_template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": Match.absent()})


def test_reads_models_and_input_and_only_writes_output(role_template):
    assert "s3:GetObject*" in actions_on(role_template, "Models")
    assert "s3:GetObject*" in actions_on(role_template, "Input")
    output_actions = actions_on(role_template, "Output")
    assert "s3:PutObject" in output_actions
    assert not any(a.startswith(("s3:Get", "s3:Delete")) for a in output_actions)
    assert not any(a.startswith(("s3:Put", "s3:Delete")) for a in actions_on(role_template, "Models"))


def test_no_service_wide_wildcards(role_template):
    for statement in statements(role_template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement


def test_wildcard_resources_only_where_aws_allows_nothing_narrower(role_template):
    wildcard_actions = set()
    for statement in statements(role_template):
        if statement["Resource"] == "*":
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            wildcard_actions.update(actions)
    assert wildcard_actions == {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}


def test_metrics_are_limited_to_sagemaker_namespaces(role_template):
    metric = next(s for s in statements(role_template) if s["Action"] == "cloudwatch:PutMetricData")
    assert metric["Condition"] == {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}}


def test_logs_only_to_sagemaker_log_groups(role_template):
    logs = next(s for s in statements(role_template) if "logs:PutLogEvents" in s["Action"])
    assert ":log-group:/aws/sagemaker/*" in json.dumps(logs["Resource"])


def test_pulls_images_only_from_named_repositories(role_template):
    pull = next(s for s in statements(role_template) if "ecr:BatchGetImage" in s["Action"])
    assert pull["Resource"] == FRAMEWORK_REPO


def test_uses_the_data_key_for_bucket_objects(role_template):
    kms_actions = {a for s in statements(role_template) if "Key" in json.dumps(s["Resource"])
                   for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= kms_actions


def test_grant_key_adds_encrypt_decrypt(bare_stack):
    bucket = s3.Bucket(bare_stack, "Models")
    role = SageMakerExecutionRole(bare_stack, "Role", model_bucket=bucket)
    volume_key = kms.Key(bare_stack, "VolumeKey")
    grant = role.grant_key(volume_key)
    assert grant.success
    assert role.role.node.id == "Resource"


def test_object_wildcards_of_its_buckets_are_acknowledged_and_nothing_else(role_template, bare_stack):
    from stacks.compliance import compliance_packs
    findings = {v.rule_name for pack in compliance_packs(bare_stack) for v in pack.validate_scope(bare_stack).violations}
    assert not [f for f in findings if f.startswith("AwsSolutions-IAM5")], findings


def test_an_unacknowledged_object_wildcard_is_still_a_finding(bare_stack):
    from stacks.compliance import compliance_packs
    models = s3.Bucket(bare_stack, "Models")
    other = s3.Bucket(bare_stack, "Other")
    role = SageMakerExecutionRole(bare_stack, "Role", model_bucket=models)
    other.grant_read(role.role)  # granted outside the role construct, so nobody vouched for it
    findings = {v.rule_name for v in compliance_packs(bare_stack)[0].validate_scope(bare_stack).violations}
    assert any(f.startswith("AwsSolutions-IAM5[Resource::<Other") for f in findings), findings


def test_nag_reference_flattens_like_cdk_nag(bare_stack):
    from aws_cdk import Fn
    from sagemaker_serving_cdk import nag_reference
    bucket = s3.Bucket(bare_stack, "Models")
    assert nag_reference(bare_stack, bucket.arn_for_objects("*")).startswith("<Models")
    assert nag_reference(bare_stack, bucket.arn_for_objects("*")).endswith(".Arn>/*")
    assert nag_reference(bare_stack, Fn.join("", [Fn.import_value("x-ModelBucketArn"), "/*"])) == "x-ModelBucketArn/*"
