"""VariantAutoscaling: invocation tracking, schedules, async backlog scaling from zero, and its validation."""

from __future__ import annotations

import pytest

from config.serving import AutoscalingSettings, InstanceVariantSettings
from ml_constructs.autoscaling import VariantAutoscaling
from tests.unit.serving_kit import ENDPOINT_NAME, dumps, make_kit, only


@pytest.fixture
def kit(bare_stack):
    return make_kit(bare_stack)


def scale(kit, variant: dict, *, is_async: bool = False) -> VariantAutoscaling:
    settings = {"variants": [variant]}
    if is_async:
        settings["async_inference"] = {}
    endpoint = kit.endpoint(settings)
    return VariantAutoscaling(kit.stack, "Scaling", endpoint=endpoint,
                              variant=InstanceVariantSettings.model_validate(variant), is_async=is_async)


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
# (the same rules reject bad config earlier; these show the construct enforces them on its own too)


def bypass(**fields) -> InstanceVariantSettings:
    """Settings built without validation, as a caller constructing them in code might."""
    autoscaling = AutoscalingSettings.model_construct(**{"min_capacity": 1, "max_capacity": 4,
                                                         **fields.pop("autoscaling", {})})
    return InstanceVariantSettings.model_construct(**{"name": "primary", "model": "main", "instance_type": "ml.m5.large",
                                                      "initial_instance_count": 1, "autoscaling": autoscaling, **fields})


@pytest.mark.parametrize("settings, is_async, message", [
    (bypass(instance_type="ml.t2.medium"), False, "autoscaling rejects burstable ml.t2.medium"),
    (bypass(initial_instance_count=5), False, r"need min_capacity \(1\) <= initial_instance_count \(5\) <= max_capacity \(4\)"),
    (bypass(autoscaling={"min_capacity": 2}), False, r"need min_capacity \(2\) <= initial_instance_count \(1\)"),
    (bypass(autoscaling={"max_requests_per_second": 10}), True, "async variants scale on backlog"),
    (bypass(autoscaling={"backlog_target_per_instance": 3}), False, "for async variants only"),
    (bypass(autoscaling={"min_capacity": 0}), False, "min_capacity 0 are for async variants only"),
    (InstanceVariantSettings(name="primary", model="main"), False, "has no autoscaling settings"),
])
def test_fails_on_invalid_autoscaling(kit, settings, is_async, message):
    endpoint = kit.endpoint({"variants": [{"name": "primary", "model": "main"}],
                             **({"async_inference": {}} if is_async else {})})
    with pytest.raises(ValueError, match=message):
        VariantAutoscaling(kit.stack, "Scaling", endpoint=endpoint, variant=settings, is_async=is_async)
