"""SeverityAlarms and AlarmSubscriptions in isolation."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack, aws_cloudwatch as cloudwatch, aws_cloudwatch_actions as cw_actions, aws_sns as sns
from aws_cdk.assertions import Match, Template

from config.monitoring import Subscriptions, Thresholds
from stacks.alarm_subscriptions import AlarmSubscriptions
from sagemaker_serving_cdk import SeverityAlarms
from stacks import adapter


def latency_metric(name: str = "ModelLatency", statistic: str = "p99") -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace="AWS/SageMaker", metric_name=name, statistic=statistic,
                             period=Duration.minutes(1), dimensions_map={"EndpointName": "e", "VariantName": "v"})


def make(stack, thresholds: Thresholds, **overrides) -> SeverityAlarms:
    topic = sns.Topic(stack, "Topic")
    props = dict(metric=latency_metric(), thresholds=adapter.alarm_levels(thresholds), action=cw_actions.SnsAction(topic),
                 treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING, description="p99 latency of e/v",
                 unit=" ms", scale=1000)
    return SeverityAlarms(stack, "Latency", **{**props, **overrides})


def test_one_alarm_per_severity_with_explicit_window_and_both_actions(bare_stack):
    alarms = make(bare_stack, Thresholds(warning=200, critical=800, period_minutes=5, evaluation_periods=4,
                                         datapoints_to_alarm=3))
    template = Template.from_stack(bare_stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    topic = {"Ref": Match.string_like_regexp("^Topic")}
    for severity, threshold in (("WARNING", 200_000), ("CRITICAL", 800_000)):
        template.has_resource_properties("AWS::CloudWatch::Alarm", {
            "Threshold": threshold,  # ms configured, microseconds measured
            "Period": 300,
            "EvaluationPeriods": 4,
            "DatapointsToAlarm": 3,
            "TreatMissingData": "notBreaching",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "ExtendedStatistic": "p99",
            "AlarmActions": [topic],
            "OKActions": [topic],
            "AlarmDescription": Match.string_like_regexp(
                rf"^{severity}: p99 latency of e/v; at or above {threshold // 1000} ms \(3 of 4 periods of 5 min\)$"),
        })
    assert set(alarms.alarms) == {"warning", "critical"}
    assert alarms.warning is alarms.alarms["warning"] and alarms.critical is alarms.alarms["critical"]


def test_only_the_severities_that_are_set(bare_stack):
    alarms = make(bare_stack, Thresholds(critical=900))
    Template.from_stack(bare_stack).resource_count_is("AWS::CloudWatch::Alarm", 1)
    assert alarms.warning is None and alarms.critical is not None


def test_names_follow_the_prefix(bare_stack):
    make(bare_stack, Thresholds(warning=1), alarm_name_prefix="mlinf-test-latency")
    Template.from_stack(bare_stack).has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "mlinf-test-latency-warning"})


def test_math_expressions_take_the_configured_period(bare_stack):
    rate = cloudwatch.MathExpression(expression="100 * e / i", using_metrics={
        "e": latency_metric("Invocation4XXErrors", "Sum"), "i": latency_metric("Invocations", "Sum")},
        period=Duration.minutes(1))
    make(bare_stack, Thresholds(warning=5, period_minutes=15), metric=rate, scale=1, unit="%")
    alarm = next(iter(Template.from_stack(bare_stack).find_resources("AWS::CloudWatch::Alarm").values()))
    periods = {q["Id"]: q["MetricStat"]["Period"] for q in alarm["Properties"]["Metrics"] if "MetricStat" in q}
    assert periods == {"e": 900, "i": 900}


def test_fails_without_any_threshold(bare_stack):
    with pytest.raises(ValueError, match=r"Test/Latency: no warning or critical threshold set; leave the alarm out"):
        make(bare_stack, Thresholds())


def test_subscriptions_keep_their_ids_when_another_recipient_is_added():
    def logical_ids(settings: Subscriptions) -> dict[str, str]:
        stack = Stack(App(), "Test")
        AlarmSubscriptions(stack, "Subscriptions", topic=sns.Topic(stack, "Topic"), settings=settings)
        found = Template.from_stack(stack).find_resources("AWS::SNS::Subscription")
        return {r["Properties"]["Endpoint"]: logical_id for logical_id, r in found.items()}

    before = logical_ids(Subscriptions(emails=("b@example.com",)))
    after = logical_ids(Subscriptions(emails=("a@example.com", "b@example.com")))
    assert after["b@example.com"] == before["b@example.com"]
    assert set(after) == {"a@example.com", "b@example.com"}


def test_subscriptions_cover_emails_and_https_urls(bare_stack):
    topic = sns.Topic(bare_stack, "Topic")
    AlarmSubscriptions(bare_stack, "Subscriptions", topic=topic, settings=Subscriptions(
        emails=("a@example.com",), https_urls=("https://hooks.example.com/x",)))
    template = Template.from_stack(bare_stack)
    template.resource_count_is("AWS::SNS::Subscription", 2)
    topic_ref = {"Ref": Match.string_like_regexp("^Topic")}
    template.has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "https", "Endpoint": "https://hooks.example.com/x", "TopicArn": topic_ref})
    template.has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "email", "Endpoint": "a@example.com", "TopicArn": topic_ref})
