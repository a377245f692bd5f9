"""ScheduledBatchTransform: model as IModel, schedule as ScheduleExpression, retention as RetentionDays."""

from __future__ import annotations

import json

from aws_cdk import Duration, TimeZone, aws_logs as logs, aws_scheduler as scheduler, aws_sns as sns
from aws_cdk.assertions import Template

from helpers import model, only
from sagemaker_serving_cdk import Retry, ScheduledBatchTransform, TransformOptions


def test_runs_the_model_on_its_schedule_with_typed_props(stack, bucket, key):
    served = model(stack, bucket)
    ScheduledBatchTransform(
        stack,
        "Nightly",
        name="nightly",
        model=served,
        input_bucket=bucket,
        output_bucket=bucket,
        key=key,
        schedule=scheduler.ScheduleExpression.cron(minute="0", hour="2", time_zone=TimeZone.EUROPE_BERLIN),
        alarm_topic=sns.Topic(stack, "Alarms"),
        alarm_topic_key=key,
        log_group_prefix="lib",
        log_retention=logs.RetentionDays.TWO_WEEKS,
        transform=TransformOptions(
            instance_type="ml.m5.xlarge",
            timeout=Duration.hours(2),
            capacity_retry=Retry(max_attempts=2, interval=Duration.minutes(1)),
        ),
    )
    template = Template.from_stack(stack)
    schedule = only(template, "AWS::Scheduler::Schedule")
    assert (schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"]) == (
        "cron(0 2 * * ? *)",
        "Europe/Berlin",
    )
    assert only(template, "AWS::Logs::LogGroup")["RetentionInDays"] == 14
    definition = json.dumps(only(template, "AWS::StepFunctions::StateMachine")["DefinitionString"])
    assert '\\"TimeoutSeconds\\":7200' in definition and '\\"InstanceType\\":\\"ml.m5.xlarge\\"' in definition
    assert stack.get_logical_id(served.model) in definition  # the model's name goes into the task
