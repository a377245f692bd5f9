"""find_variant(...).auto_scale_instance_count(): the target, its policies and its checks."""

from __future__ import annotations

import pytest
from aws_cdk import TimeZone, aws_applicationautoscaling as appscaling
from aws_cdk.assertions import Template

from helpers import model, only
from sagemaker_serving_cdk import Endpoint, EndpointConfig, InstanceVariant, PropsError, ServerlessVariant


def endpoint(stack, bucket, **variant) -> Endpoint:
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main", **variant)]
    )
    return Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="my-endpoint")


def test_invocations_and_a_schedule(stack, bucket):
    scaling = endpoint(stack, bucket).find_variant("main").auto_scale_instance_count(min_capacity=1, max_capacity=4)
    scaling.scale_on_invocations(120)
    scaling.scale_on_schedule(
        "Night",
        schedule=appscaling.Schedule.expression("cron(0 20 * * ? *)"),
        time_zone=TimeZone.EUROPE_BERLIN,
        max_capacity=1,
    )
    template = Template.from_stack(stack)
    target = only(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["ResourceId"] == "endpoint/my-endpoint/variant/main"
    assert target["ScheduledActions"][0]["Timezone"] == "Europe/Berlin"
    policy = only(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 120


def test_fails_on_a_burstable_variant_naming_path_and_value(stack, bucket):
    variant = endpoint(stack, bucket, instance_type="ml.t2.medium").find_variant("main")
    with pytest.raises(
        PropsError,
        match=r"^Lib/Endpoint/mainScaling: instance_type = 'ml.t2.medium': Application "
        r"Auto Scaling rejects burstable instance types.*; allowed: a non-burstable",
    ):
        variant.auto_scale_instance_count(min_capacity=1, max_capacity=2)


def test_fails_on_a_serverless_variant(stack, bucket):
    config = EndpointConfig(
        stack, "Config", serverless=ServerlessVariant(model=model(stack, bucket, network_isolation=False))
    )
    variant = Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="e").find_variant("AllTraffic")
    with pytest.raises(PropsError, match="serverless endpoints scale by max_concurrency"):
        variant.auto_scale_instance_count(min_capacity=1, max_capacity=2)
