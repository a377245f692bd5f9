"""DeploymentStateEvents: one rule on endpoint deployment and state changes, to the alarm topic, which lets
exactly that rule publish."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_kms as kms
from aws_cdk.assertions import Template

from helpers import only
from sagemaker_serving_cdk import AlarmTopic, DeploymentStateEvents, PropsError


@pytest.fixture(scope="module")
def template() -> Template:
    stack = Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})
    topic = AlarmTopic(stack, "Alarms", master_key=kms.Key(stack, "AlarmKey"), display_name="alarms")
    DeploymentStateEvents(stack, "Deployments", endpoint_name_prefix="MyTeam-staging-", topic=topic)
    return Template.from_stack(stack)


def rule_id(template: Template) -> str:
    (found,) = template.find_resources("AWS::Events::Rule")
    return found


def test_the_rule_matches_both_detail_types_for_the_lower_cased_prefix(template):
    pattern = only(template, "AWS::Events::Rule")["EventPattern"]
    assert pattern["source"] == ["aws.sagemaker"]
    assert pattern["detail-type"] == ["SageMaker Endpoint Deployment State Change", "SageMaker Endpoint State Change"]
    (prefix,) = pattern["resources"]
    joined = "".join(p if isinstance(p, str) else "" for p in prefix["prefix"]["Fn::Join"][1])
    assert joined == "arn::sagemaker:us-east-1:123456789012:endpoint/myteam-staging-"  # partition token between


def test_the_message_keeps_name_status_reason_and_variant_statuses(template):
    (target,) = only(template, "AWS::Events::Rule")["Targets"]
    assert target["Arn"] == {"Ref": next(iter(template.find_resources("AWS::SNS::Topic")))}
    paths = target["InputTransformer"]["InputPathsMap"]
    assert set(paths.values()) >= {
        "$.detail-type",
        "$.detail.EndpointName",
        "$.detail.EndpointStatus",
        "$.detail.FailureReason",
        "$.detail.ProductionVariants",
        "$.detail.PendingDeploymentSummary.ProductionVariants",
    }


def test_the_topic_accepts_only_this_rule(template):
    (statement,) = [
        s
        for s in only(template, "AWS::SNS::TopicPolicy")["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": [rule_id(template), "Arn"]}}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


def test_eventbridge_may_use_the_topic_key_without_source_conditions(template):
    (key,) = template.find_resources("AWS::KMS::Key").values()
    (statement,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert "Condition" not in statement


@pytest.mark.parametrize("prefix", ["", "-staging", "my_team-"])
def test_fails_on_a_prefix_no_endpoint_name_starts_with(stack, prefix):
    topic = AlarmTopic(stack, "Alarms", master_key=kms.Key(stack, "AlarmKey"), display_name="alarms")
    with pytest.raises(PropsError, match=r"^Lib/Deployments: endpoint_name_prefix = "):
        DeploymentStateEvents(stack, "Deployments", endpoint_name_prefix=prefix, topic=topic)
