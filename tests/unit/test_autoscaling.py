"""Variant autoscaling (adapter.autoscale -> ScalableInstanceCount): invocation tracking, schedules, async backlog scaling from zero, and its validation."""

from __future__ import annotations

import pytest

from config.serving import InstanceVariantSettings
from sagemaker_serving_cdk import AsyncInference, Endpoint, EndpointConfig, InstanceVariant, ScalableInstanceCount
from stacks import adapter
from tests.unit.serving_kit import ENDPOINT_NAME, dumps, make_kit, only


@pytest.fixture
def kit(bare_stack):
    return make_kit(bare_stack)


def scale(kit, variant: dict, *, is_async: bool = False) -> ScalableInstanceCount:
    settings = {"variants": [variant]}
    if is_async:
        settings["async_inference"] = {}
    endpoint = kit.endpoint(settings)
    return adapter.autoscale(kit.stack, "Scaling", endpoint, InstanceVariantSettings.model_validate(variant))


def variant(**autoscaling) -> dict:
    return {"name": "primary", "model": "main", "instance_type": "ml.m5.large", "initial_instance_count": 1,
            "autoscaling": {"min_capacity": 1, "max_capacity": 4, **autoscaling}}


def policies(kit) -> list[dict]:
    return [p["Properties"] for p in kit.template().find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()]


def test_scalable_target_is_the_variant_count_with_the_service_linked_role(kit):
    target = scale(kit, variant())
    props = only(kit.template().find_resources("AWS::ApplicationAutoScaling::ScalableTarget"))["Properties"]
    assert props["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert props["ServiceNamespace"] == "sagemaker"
    assert (props["MinCapacity"], props["MaxCapacity"]) == (1, 4)
    assert props["ResourceId"] == f"endpoint/{ENDPOINT_NAME}/variant/primary"
    assert "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint" in dumps(props["RoleARN"])
    kit.template().resource_count_is("AWS::IAM::Role", 1)  # only the kit's execution role, no per-variant role
    assert target.target.node.id == "Resource"


def test_target_derived_from_max_requests_per_second_and_safety_factor(kit):
    scale(kit, variant(max_requests_per_second=20, safety_factor=0.5, scale_in_cooldown_seconds=600,
                       scale_out_cooldown_seconds=30))
    (policy,) = policies(kit)
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["PredefinedMetricSpecification"] == {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}
    assert tracking["TargetValue"] == 600  # 20 requests/s * 60 s * 0.5
    assert (tracking["ScaleInCooldown"], tracking["ScaleOutCooldown"]) == (600, 30)
    assert tracking["DisableScaleIn"] is False


def test_target_given_directly_and_scale_in_disabled(kit):
    scale(kit, variant(target_invocations_per_instance=123, disable_scale_in=True))
    tracking = policies(kit)[0]["TargetTrackingScalingPolicyConfiguration"]
    assert (tracking["TargetValue"], tracking["DisableScaleIn"]) == (123, True)


def test_business_hours_schedule_with_a_time_zone(kit):
    scale(kit, variant(schedules=[
        {"name": "Open", "schedule": "cron(0 8 ? * MON-FRI *)", "timezone": "Europe/Berlin", "min_capacity": 2,
         "max_capacity": 4},
        {"name": "Close", "schedule": "cron(0 18 ? * MON-FRI *)", "timezone": "Europe/Berlin", "min_capacity": 1},
    ]))
    actions = only(kit.template().find_resources("AWS::ApplicationAutoScaling::ScalableTarget"))["Properties"][
        "ScheduledActions"]
    assert [(a["ScheduledActionName"], a["Schedule"], a["Timezone"], a["ScalableTargetAction"]) for a in actions] == [
        ("Open", "cron(0 8 ? * MON-FRI *)", "Europe/Berlin", {"MinCapacity": 2, "MaxCapacity": 4}),
        ("Close", "cron(0 18 ? * MON-FRI *)", "Europe/Berlin", {"MinCapacity": 1}),
    ]


def test_async_variant_scales_on_backlog_from_zero(kit):
    scaling = scale(kit, {"name": "primary", "model": "main", "autoscaling": {
        "min_capacity": 0, "max_capacity": 3, "backlog_target_per_instance": 8}}, is_async=True)
    template = kit.template()
    target = only(template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget"))["Properties"]
    assert target["MinCapacity"] == 0
    tracking = next(p for p in policies(kit) if p["PolicyType"] == "TargetTrackingScaling")
    custom = tracking["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert custom["MetricName"] == "ApproximateBacklogSizePerInstance"
    assert [d["Name"] for d in custom["Dimensions"]] == ["EndpointName"]
    assert tracking["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 8
    step = next(p for p in policies(kit) if p["PolicyType"] == "StepScaling")
    assert step["StepScalingPolicyConfiguration"]["AdjustmentType"] == "ChangeInCapacity"
    assert step["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    alarm = only(template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {
        "MetricName": "HasBacklogWithoutCapacity"}}))["Properties"]
    assert alarm["Threshold"] == 1 and alarm["TreatMissingData"] == "notBreaching"
    assert "ScaleOutFromZero" in dumps(alarm["AlarmActions"])
    assert scaling.scale_from_zero_alarm is not None


def test_async_backlog_target_defaults_to_five(kit):
    scale(kit, {"name": "primary", "model": "main", "autoscaling": {"min_capacity": 0, "max_capacity": 2}},
          is_async=True)
    tracking = next(p for p in policies(kit) if p["PolicyType"] == "TargetTrackingScaling")
    assert tracking["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 5


# -------------------------------------------------------------------------- construct-level validation
# (the same rules reject bad config earlier; these show the library enforces them on its own too)


def library_endpoint(kit, *, is_async: bool = False, **variant):
    config = EndpointConfig(
        kit.stack, "Config", variants=[InstanceVariant(model=kit.model(), variant_name="primary", **variant)],
        async_inference=AsyncInference(output_bucket=kit.output_bucket, output_prefix="o/", failure_prefix="f/",
                                       key=kit.key) if is_async else None)
    return Endpoint(kit.stack, "Endpoint", endpoint_config=config, endpoint_name="mlinf-test-ep")


@pytest.mark.parametrize("variant, is_async, bounds, policy, message", [
    ({"instance_type": "ml.t2.medium"}, False, (1, 4), None, r"instance_type = 'ml.t2.medium': Application Auto Scaling rejects burstable instance types"),
    ({"initial_instance_count": 5}, False, (1, 4), None,
     r"initial_instance_count = 5: the variant starts outside its scaling bounds; allowed: min_capacity \(1\) to max_capacity \(4\)"),
    ({}, False, (2, 4), None, r"initial_instance_count = 1: .*allowed: min_capacity \(2\) to max_capacity \(4\)"),
    ({}, True, (1, 4), "invocations", "async variants scale on backlog"),
    ({}, False, (1, 4), "backlog", "backlog targets .* async endpoints only"),
    ({}, False, (1, 4), "from_zero", "scale-from-zero on backlog is for async endpoints only"),
    ({}, False, (0, 4), None, r"min_capacity = 0: real-time variants cannot scale to zero; allowed: >= 1 \(0 only on async endpoints\)"),
])
def test_fails_on_invalid_autoscaling(kit, variant, is_async, bounds, policy, message):
    endpoint = library_endpoint(kit, is_async=is_async, **variant)
    with pytest.raises(ValueError, match=message) as raised:
        scaling = endpoint.find_variant("primary").auto_scale_instance_count(
            min_capacity=bounds[0], max_capacity=bounds[1])
        {"invocations": lambda: scaling.scale_on_invocations(100), "backlog": lambda: scaling.scale_on_backlog(3),
         "from_zero": scaling.scale_from_zero_on_backlog}[policy]()
    assert str(raised.value).startswith("Test/Endpoint/primaryScaling: ")  # names the construct path


def test_fails_on_an_unknown_variant(kit):
    with pytest.raises(ValueError, match=r"Test/Endpoint: no variant 'ghost'; variants: \['primary'\]"):
        library_endpoint(kit).find_variant("ghost")
