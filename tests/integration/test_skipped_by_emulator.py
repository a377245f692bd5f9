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
    "AWS::SNS::TopicPolicy": "TLS-only alarm topic (test_alarm_topic_policy_requires_tls)",
    "AWS::SNS::Subscription": "alarm recipients from config (test_alarm_recipients_are_subscribed)",
    "AWS::Scheduler::Schedule": "batch schedule (test_batch_schedule_targets_the_state_machine_and_is_off_in_dev)",
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


def test_model_package_group_is_deployed_and_named_for_the_stage(dev_stage):
    # Deployed by the emulator since it creates model package groups (tools/emulator_sagemaker.py, fix 7).
    name = dev_stage.output("ModelPackageGroupName")
    _template(dev_stage).has_resource_properties("AWS::SageMaker::ModelPackageGroup", {"ModelPackageGroupName": name})
    assert dev_stage.client("sagemaker").describe_model_package_group(ModelPackageGroupName=name)[
        "ModelPackageGroupName"] == name


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


def test_every_alarm_of_the_template_exists_and_notifies_the_alarm_topic(dev_stage):
    """Alarms are deployed by the emulator (tools/emulator_server.py fix 4); moto never evaluates them."""
    template = _template(dev_stage, "Dev-Serving")
    expected = {a["Properties"]["AlarmName"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()}
    alarms = {a["AlarmName"]: a for a in dev_stage.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert expected and expected <= set(alarms)
    topic = dev_stage.output("AlarmTopicArn")
    for name in expected:
        assert alarms[name]["AlarmActions"] == [topic], name
        assert alarms[name]["OKActions"] == [topic], name


def test_alarm_topic_policy_requires_tls(dev_stage):
    _template(dev_stage).has_resource_properties("AWS::SNS::TopicPolicy", {
        "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
            "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        })])},
    })


def test_batch_schedule_targets_the_state_machine_and_is_off_in_dev(dev_stage):
    _template(dev_stage, "Dev-Batch").has_resource_properties("AWS::Scheduler::Schedule", {
        "State": "DISABLED",
        "Target": Match.object_like({"Arn": {"Ref": Match.string_like_regexp("^Scoring")}}),
    })


def test_state_machine_logging_and_tracing_are_in_the_template(dev_stage):
    # The emulator's Step Functions reports logging OFF whatever the template says.
    _template(dev_stage, "Dev-Batch").has_resource_properties("AWS::StepFunctions::StateMachine", {
        "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
        "TracingConfiguration": {"Enabled": True},
    })


@pytest.mark.parametrize("stack", ["Dev-Data", "Dev-Billing"])
def test_alarm_recipients_are_subscribed(dev_stage, stack):
    emails = {s["Properties"]["Endpoint"] for s in _template(dev_stage, stack).find_resources(
        "AWS::SNS::Subscription", {"Properties": {"Protocol": "email"}}).values()}
    assert emails == {"ml-platform-dev@example.com"}
