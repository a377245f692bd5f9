"""What the emulator accepts but does not create (or creates without some settings), asserted from the
template instead. The list is checked against what the deploy reported as skipped, so a new skipped
resource type fails here until someone asserts it from the template."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

pytestmark = pytest.mark.integration

# Resource types the emulator skips, and why each is still covered.
ASSERTED_FROM_TEMPLATE = {
    "AWS::S3::BucketPolicy": "TLS-only bucket policies (test_bucket_policies_deny_plain_http)",
    "AWS::SageMaker::ModelPackageGroup": "the model registry (test_model_package_group_is_named_for_the_stage)",
}
# Properties the emulator's S3 ignores on AWS::S3::Bucket (it applies only encryption and tags).
BUCKET_PROPERTIES_NOT_APPLIED = (
    "VersioningConfiguration", "PublicAccessBlockConfiguration", "OwnershipControls", "LifecycleConfiguration",
    "LoggingConfiguration", "BucketEncryption.BucketKeyEnabled",
)


def _template(dev_stage, stack: str = "Dev-Data") -> Template:
    return Template.from_json(dev_stage.templates()[stack])


def test_every_skipped_resource_type_is_asserted_from_the_template(dev_stage):
    skipped = sorted({row.resource_type for row in dev_stage.landed if row.status == "SKIPPED by emulator"})
    print("\nSkipped by the emulator, asserted from the template instead:")
    for resource_type in skipped:
        print(f"  {resource_type}: {ASSERTED_FROM_TEMPLATE.get(resource_type, 'NOT ASSERTED')}")
    print("Bucket properties the emulator does not apply: " + ", ".join(BUCKET_PROPERTIES_NOT_APPLIED))
    assert set(skipped) <= set(ASSERTED_FROM_TEMPLATE), set(skipped) - set(ASSERTED_FROM_TEMPLATE)


def test_bucket_policies_deny_plain_http(dev_stage):
    template = _template(dev_stage)
    policies = template.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == len(template.find_resources("AWS::S3::Bucket"))
    template.all_resources_properties("AWS::S3::BucketPolicy", {
        "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
            "Effect": "Deny", "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        })])},
    })


def test_model_package_group_is_named_for_the_stage(dev_stage):
    _template(dev_stage).has_resource_properties("AWS::SageMaker::ModelPackageGroup", {
        "ModelPackageGroupName": dev_stage.output("ModelPackageGroupName"),
    })


def test_bucket_settings_the_emulator_ignores_are_in_the_template(dev_stage):
    template = _template(dev_stage)
    template.all_resources_properties("AWS::S3::Bucket", {
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": Match.any_value(),
    })
