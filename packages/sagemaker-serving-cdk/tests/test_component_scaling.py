"""ScalableCopyCount: a component's copies scale to zero and back (target tracking + the wake-up step policy)."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_s3 as s3
from aws_cdk.assertions import Template

from helpers import model, only
from sagemaker_serving_cdk import (
    ComponentHostVariant,
    ComputeRequirements,
    Endpoint,
    EndpointConfig,
    InferenceComponent,
    ManagedInstanceScaling,
    PropsError,
    SageMakerExecutionRole,
)


def component(stack: Stack, copy_count: int = 1) -> InferenceComponent:
    config = EndpointConfig(
        stack,
        "Config",
        component_host=ComponentHostVariant(
            instance_type="ml.m5.2xlarge",
            managed_scaling=ManagedInstanceScaling(max_instance_count=2, min_instance_count=0),
        ),
        execution_role=SageMakerExecutionRole(stack, "Role"),
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="shared")
    return InferenceComponent(
        stack,
        "Churn",
        endpoint=endpoint,
        component_name="shared-churn",
        model=model(stack, s3.Bucket(stack, "Models")),
        compute=ComputeRequirements(cpu_cores=1, memory_mb=1024),
        copy_count=copy_count,
    )


@pytest.fixture(scope="module")
def scaled() -> Template:
    stack = Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})
    scaling = component(stack).auto_scale_copy_count(max_capacity=4)
    scaling.scale_on_invocations_per_copy(20)
    scaling.scale_from_zero()
    return Template.from_stack(stack)


def test_the_copy_count_target_reaches_zero_after_the_component_exists(scaled):
    (target,) = scaled.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    props = target["Properties"]
    assert props["ResourceId"] == "inference-component/shared-churn"
    assert props["ScalableDimension"] == "sagemaker:inference-component:DesiredCopyCount"
    assert (props["MinCapacity"], props["MaxCapacity"]) == (0, 4)
    assert props["ServiceNamespace"] == "sagemaker"
    assert "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint" in str(props["RoleARN"])
    (component_id,) = scaled.find_resources("AWS::SageMaker::InferenceComponent")
    assert component_id in target["DependsOn"]


def test_target_tracking_follows_invocations_per_copy(scaled):
    policies = scaled.find_resources(
        "AWS::ApplicationAutoScaling::ScalingPolicy", {"Properties": {"PolicyType": "TargetTrackingScaling"}}
    )
    ((_, policy),) = policies.items()
    config = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerInferenceComponentInvocationsPerCopy"
    }
    assert config["TargetValue"] == 20


def test_the_wake_up_step_adds_one_copy_on_the_first_refused_request(scaled):
    step = scaled.find_resources(
        "AWS::ApplicationAutoScaling::ScalingPolicy", {"Properties": {"PolicyType": "StepScaling"}}
    )
    ((step_id, resource),) = step.items()
    assert resource["Properties"]["StepScalingPolicyConfiguration"] == {
        "AdjustmentType": "ChangeInCapacity",
        "Cooldown": 60,
        "MetricAggregationType": "Maximum",
        "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
    }
    alarm = only(scaled, "AWS::CloudWatch::Alarm")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == (
        "AWS/SageMaker",
        "NoCapacityInvocationFailures",
        "Sum",
        60,
    )
    assert alarm["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "shared-churn"}]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm["Threshold"] == 1
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": step_id}]


def test_concurrent_requests_track_at_high_resolution(stack):
    scaling = component(stack).auto_scale_copy_count(min_capacity=1, max_capacity=3)
    scaling.scale_on_concurrent_requests_per_copy(4)
    policy = only(Template.from_stack(stack), "AWS::ApplicationAutoScaling::ScalingPolicy")
    metric = policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
    assert metric == {"PredefinedMetricType": "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"}


@pytest.mark.parametrize(
    "bounds, copy_count, expected",
    [
        ({"min_capacity": 3, "max_capacity": 2}, 2, "copy_scaling.min_capacity = 3"),
        ({"min_capacity": 0, "max_capacity": 0}, 0, "copy_scaling.max_capacity = 0"),
        ({"min_capacity": 0, "max_capacity": 2}, 3, "copy_count = 3"),
        ({"min_capacity": -1, "max_capacity": 2}, 1, "copy_scaling.min_capacity = -1"),
    ],
)
def test_fails_on_bad_copy_bounds(stack, bounds, copy_count, expected):
    with pytest.raises(PropsError, match=expected):
        component(stack, copy_count).auto_scale_copy_count(**bounds)


def test_fails_waking_a_component_that_never_reaches_zero(stack):
    scaling = component(stack).auto_scale_copy_count(min_capacity=1, max_capacity=3)
    with pytest.raises(PropsError, match=r"Lib/Churn/CopyScaling: copy_scaling.min_capacity = 1"):
        scaling.scale_from_zero()


def test_fails_scaling_the_host_variant_by_instances(stack):
    endpoint = component(stack).endpoint
    with pytest.raises(PropsError, match="hosts inference components; managed instance scaling sizes it"):
        endpoint.find_variant("AllTraffic").auto_scale_instance_count(min_capacity=1, max_capacity=2)
