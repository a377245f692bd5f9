"""The alarm topic construct: which service principals may publish, under which conditions."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Template

from sagemaker_serving_cdk import AlarmTopic, ServicePublisher, cloudwatch_alarms
from sagemaker_serving_cdk import EncryptionKey

ACCOUNT, REGION = "123456789012", "us-east-1"  # the bare_stack fixture's


def _policies(stack) -> tuple[list[dict], list[dict]]:
    template = Template.from_stack(stack)
    (topic_policy,) = template.find_resources("AWS::SNS::TopicPolicy").values()
    (key,) = template.find_resources("AWS::KMS::Key").values()
    return topic_policy["Properties"]["PolicyDocument"]["Statement"], key["Properties"]["KeyPolicy"]["Statement"]


def _service_statements(statements: list[dict], service: str) -> list[dict]:
    return [s for s in statements if s.get("Principal") == {"Service": service}]


def test_cloudwatch_may_publish_only_for_this_accounts_alarms(bare_stack):
    key = EncryptionKey(bare_stack, "Key", alias="t-alarms", removal_policy=RemovalPolicy.DESTROY).key
    AlarmTopic(bare_stack, "Topic", master_key=key, display_name="t", publishers=[cloudwatch_alarms(bare_stack)])
    topic_statements, key_statements = _policies(bare_stack)
    expected = {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"}}
    (publish,) = _service_statements(topic_statements, "cloudwatch.amazonaws.com")
    assert publish["Action"] == "sns:Publish" and publish["Condition"] == expected
    (use,) = _service_statements(key_statements, "cloudwatch.amazonaws.com")
    assert use["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"] and use["Condition"] == expected
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in str(s) for s in topic_statements)


def test_a_publisher_whose_key_requests_carry_no_source_gets_an_unconditioned_key_grant(bare_stack):
    key = EncryptionKey(bare_stack, "Key", alias="t-events", removal_policy=RemovalPolicy.DESTROY).key
    events = ServicePublisher("events.amazonaws.com", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*",
                              key_request_has_source=False)
    AlarmTopic(bare_stack, "Topic", master_key=key, display_name="t", publishers=[events])
    topic_statements, key_statements = _policies(bare_stack)
    (publish,) = _service_statements(topic_statements, "events.amazonaws.com")
    assert publish["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"}
    (use,) = _service_statements(key_statements, "events.amazonaws.com")
    assert "Condition" not in use
