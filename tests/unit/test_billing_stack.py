"""The Billing stack of every environment, and BillingAlarms in isolation."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_cloudwatch_actions as cw_actions, aws_sns as sns
from aws_cdk.assertions import Match, Template

from config.monitoring import Billing
from stacks.billing_alarms import BillingAlarms
from stacks.application import cdk_context

from tests.environments import STAGE_IDS as STAGES


@pytest.fixture(scope="module")
def billing_templates(synthesized) -> dict[str, dict]:
    templates = synthesized.templates()
    return {stage: templates[f"{stage}/Billing"] for stage in STAGES}


def resources_of(template: dict, resource_type: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


@pytest.mark.parametrize("stage", STAGES)
def test_billing_stack_is_in_us_east_1_whatever_the_environment_region(synthesized, environments, stage):
    stack = synthesized.stages[stage].billing
    assert stack.region == "us-east-1"
    assert stack.account == environments[stage.lower()].account


def test_some_environment_lives_elsewhere_so_the_test_above_means_something(environments):
    assert any(env.region != "us-east-1" for env in environments.values())


@pytest.mark.parametrize("stage", STAGES)
def test_billing_stack_references_no_other_stack(billing_templates, stage):
    text = str(billing_templates[stage])
    assert "Fn::ImportValue" not in text
    assert not billing_templates[stage].get("Parameters", {}).keys() - {"BootstrapVersion"}


@pytest.mark.parametrize("stage", STAGES)
def test_alarms_on_total_and_sagemaker_charges_from_config(billing_templates, environments, stage):
    env = stage.lower()
    billing = environments[env].monitoring.billing
    template = Template.from_json(billing_templates[stage])
    template.resource_count_is("AWS::CloudWatch::Alarm", 4)
    topic = {"Ref": Match.string_like_regexp("^AlarmTopic")}
    for service, thresholds, dimensions in (
        ("total", billing.total_usd, [{"Name": "Currency", "Value": "USD"}]),
        ("sagemaker", billing.sagemaker_usd, Match.array_equals([
            {"Name": "Currency", "Value": "USD"}, {"Name": "ServiceName", "Value": "AmazonSageMaker"}])),
    ):
        for severity, threshold in thresholds.levels.items():
            template.has_resource_properties("AWS::CloudWatch::Alarm", {
                "AlarmName": f"{environments[env].name_prefix}-billing-{service}-{severity}",
                "Namespace": "AWS/Billing",
                "MetricName": "EstimatedCharges",
                "Dimensions": dimensions,
                "Statistic": "Maximum",
                "Period": 21600,
                "Threshold": threshold,
                "EvaluationPeriods": 1,
                "DatapointsToAlarm": 1,
                "TreatMissingData": "missing",
                "AlarmActions": [topic],
                "OKActions": [topic],
            })


@pytest.mark.parametrize("stage", STAGES)
def test_own_topic_is_kms_encrypted_and_tls_only(billing_templates, stage):
    template = Template.from_json(billing_templates[stage])
    template.has_resource_properties("AWS::SNS::Topic", {
        "KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^TopicKey"), "Arn"]}})
    template.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Action": "sns:Publish", "Principal": "*",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})
    # Whether CloudWatch may publish through the topic and key policies is tests/permissions' concern.
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@pytest.mark.parametrize("stage", STAGES)
def test_config_subscriptions_reach_the_billing_topic(billing_templates, environments, stage):
    settings = environments[stage.lower()].monitoring.subscriptions
    subscriptions = resources_of(billing_templates[stage], "AWS::SNS::Subscription").values()
    found = sorted((s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subscriptions)
    expected = sorted([("email", e) for e in settings.emails] + [("https", u) for u in settings.https_urls])
    assert found == expected


def test_billing_alarms_refuse_any_other_region():
    stack = Stack(App(context=cdk_context()), "Test", env={"account": "123456789012", "region": "eu-west-1"})
    topic = sns.Topic(stack, "Topic")
    with pytest.raises(ValueError, match=r"Test/Billing: billing metrics exist only in us-east-1; this stack is in eu-west-1"):
        BillingAlarms(stack, "Billing", settings=Billing(), action=cw_actions.SnsAction(topic), name_prefix="t")


def test_billing_alarms_leave_out_unset_severities(bare_stack):
    settings = Billing.model_validate({"total_usd": {"critical": 500}, "sagemaker_usd": {"warning": 100}})
    alarms = BillingAlarms(bare_stack, "Billing", settings=settings,
                           action=cw_actions.SnsAction(sns.Topic(bare_stack, "Topic")), name_prefix="t")
    names = sorted(r["Properties"]["AlarmName"] for r in
                   Template.from_stack(bare_stack).find_resources("AWS::CloudWatch::Alarm").values())
    assert names == ["t-billing-sagemaker-warning", "t-billing-total-critical"]
    assert alarms.total.warning is None and alarms.sagemaker.critical is None
