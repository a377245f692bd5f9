"""EndpointAlarms (opt-in) with the library's default thresholds; AlarmLevels."""

from __future__ import annotations

import pytest
from aws_cdk import aws_cloudwatch_actions as cw_actions, aws_sns as sns
from aws_cdk.assertions import Template

from helpers import model
from sagemaker_serving_cdk import (
    AlarmLevels,
    Endpoint,
    EndpointAlarms,
    EndpointAlarmThresholds,
    EndpointConfig,
    HealthAlarms,
    InstanceVariant,
    PropsError,
)


def test_default_thresholds_give_warning_and_critical_alarms(stack, bucket):
    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(model=model(stack, bucket), variant_name="main", instance_type="ml.c5.2xlarge")],
    )
    action = cw_actions.SnsAction(sns.Topic(stack, "Topic"))
    endpoint = Endpoint(
        stack, "Endpoint", endpoint_config=config, endpoint_name="e", health_alarms=HealthAlarms(action=action)
    )
    alarms = EndpointAlarms(stack, "Alarms", endpoint=endpoint, action=action, name_prefix="e")
    names = {
        a["Properties"]["AlarmName"]
        for a in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
        if isinstance(a["Properties"].get("AlarmName"), str)
    }
    assert {"e-main-cpu-warning", "e-main-cpu-critical", "e-main-5xx-warning"} <= names
    assert len(alarms.all_alarms) == len(alarms.alarms) + 2  # plus the endpoint's health alarms


def test_a_kind_without_levels_is_off(stack, bucket):
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="e")
    action = cw_actions.SnsAction(sns.Topic(stack, "Topic"))
    EndpointAlarms(
        stack,
        "Alarms",
        endpoint=endpoint,
        action=action,
        name_prefix="e",
        thresholds=EndpointAlarmThresholds(cpu_utilization_percent=AlarmLevels()),
    )
    assert not any(
        "cpu" in str(a["Properties"].get("AlarmName"))
        for a in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    )


def test_fails_on_an_imported_config(stack):
    imported = EndpointConfig.from_endpoint_config_name(stack, "Imported", "existing")
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=imported, endpoint_name="e")
    with pytest.raises(PropsError, match=r"^Lib/Alarms: endpoint alarms need the endpoint's variants"):
        EndpointAlarms(
            stack, "Alarms", endpoint=endpoint, action=cw_actions.SnsAction(sns.Topic(stack, "T")), name_prefix="e"
        )


@pytest.mark.parametrize(
    "levels, expected",
    [
        (AlarmLevels(warning=1, evaluation_periods=2, datapoints_to_alarm=3), r"thresholds.datapoints_to_alarm = 3"),
        (AlarmLevels(warning=1, evaluation_periods=289), r"thresholds.evaluation_periods = 289: .*allowed: <= 288"),
    ],
    ids=["more-datapoints-than-periods", "window-beyond-a-day-of-5-minute-periods"],
)
def test_fails_on_an_alarm_window_cloudwatch_rejects(stack, bucket, levels, expected):
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="e")
    action = cw_actions.SnsAction(sns.Topic(stack, "Topic"))
    thresholds = EndpointAlarmThresholds(cpu_utilization_percent=levels)
    with pytest.raises(PropsError, match=expected):
        EndpointAlarms(stack, "Alarms", endpoint=endpoint, action=action, name_prefix="e", thresholds=thresholds)
