"""Endpoint: guardrails as typed values, opt-in health alarms, invoke grants, imports."""

from __future__ import annotations

import re

import pytest
from aws_cdk import Duration, aws_iam as iam
from aws_cdk.assertions import Template

from helpers import model, only, statements
from sagemaker_serving_cdk import (
    BlueGreenDeployment,
    CapacitySize,
    Endpoint,
    EndpointConfig,
    HealthAlarms,
    IEndpoint,
    InstanceVariant,
    PropsError,
    RollingDeployment,
    TrafficRouting,
)


def config(stack, bucket, **variant) -> EndpointConfig:
    return EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main", **variant)]
    )


def test_no_alarms_unless_asked(stack, bucket):
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config(stack, bucket), endpoint_name="my-endpoint")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    assert endpoint.rollback_alarms == ()
    assert only(template, "AWS::SageMaker::Endpoint")["RetainAllVariantProperties"] is True


def test_canary_rolls_back_on_the_health_alarms(stack, bucket):
    Endpoint(
        stack,
        "Endpoint",
        endpoint_config=config(stack, bucket),
        endpoint_name="my-endpoint",
        health_alarms=HealthAlarms(latency_p99_ms=250),
        deployment=BlueGreenDeployment(
            traffic_routing=TrafficRouting.canary(CapacitySize.percent(10)), wait_interval=Duration.minutes(10)
        ),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    deployment = only(template, "AWS::SageMaker::Endpoint")["DeploymentConfig"]
    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] == {
        "Type": "CANARY",
        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
        "WaitIntervalInSeconds": 600,
    }
    assert [a["AlarmName"] for a in deployment["AutoRollbackConfiguration"]["Alarms"]] == [
        "Lib-Endpoint-Errors5xxAlarm",
        "Lib-Endpoint-LatencyP99Alarm",
    ]
    # The model's role may read exactly those alarms during the rollout.
    assert any(s["Action"] == "cloudwatch:DescribeAlarms" for s in statements(template))


def test_fails_on_auto_rollback_without_health_alarms(stack, bucket):
    with pytest.raises(PropsError, match=r"^Lib/Endpoint: health_alarms = 0: auto_rollback rolls back on alarms"):
        Endpoint(stack, "Endpoint", endpoint_config=config(stack, bucket), deployment=BlueGreenDeployment())


def test_fails_on_a_bad_name_and_percent_listing_both(stack, bucket):
    with pytest.raises(PropsError) as raised:
        Endpoint(
            stack,
            "Endpoint",
            endpoint_config=config(stack, bucket),
            endpoint_name="bad_name",
            deployment=BlueGreenDeployment(
                traffic_routing=TrafficRouting.linear(CapacitySize.percent(150)), auto_rollback=False
            ),
        )
    assert raised.value.path == "Lib/Endpoint"
    assert len(raised.value.problems) == 2
    assert "deployment.traffic_routing.size.value = 150: a percentage of the fleet; allowed: 10-50" in str(raised.value)
    assert "'bad_name'" in str(raised.value)


def test_a_generated_name_is_a_valid_endpoint_name(stack, bucket):
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config(stack, bucket))
    assert endpoint.endpoint_name.startswith("Lib-Endpoint-") and len(endpoint.endpoint_name) <= 63
    # SageMaker's EndpointName pattern (CreateEndpoint API reference).
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", endpoint.endpoint_name)


def test_grant_invoke_on_defined_and_imported_endpoints(stack, bucket):
    role = iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    imported = Endpoint.from_endpoint_name(stack, "Imported", "Other-Endpoint")
    assert isinstance(imported, IEndpoint)
    imported.grant_invoke(role)
    resources = [
        s["Resource"] for s in statements(Template.from_stack(stack)) if "sagemaker:InvokeEndpoint" in s["Action"]
    ]
    assert resources and "endpoint/other-endpoint" in str(resources[0])  # SageMaker lower-cases ARNs


def test_variants_of_an_imported_config_are_not_supported(stack):
    imported = EndpointConfig.from_endpoint_config_name(stack, "Imported", "existing")
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=imported, endpoint_name="my-endpoint")
    with pytest.raises(PropsError, match="not supported for an imported IEndpointConfig"):
        endpoint.find_variant("main")


def test_metrics_name_the_endpoint_and_variant(stack, bucket):
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config(stack, bucket), endpoint_name="my-endpoint")
    metric = endpoint.find_variant("main").metric("Invocations")
    assert metric.dimensions == {"EndpointName": "my-endpoint", "VariantName": "main"}


def test_rolling_update_replaces_instances_in_batches_and_rolls_back(stack, bucket):
    Endpoint(
        stack,
        "Endpoint",
        endpoint_config=config(stack, bucket, initial_instance_count=4),
        endpoint_name="my-endpoint",
        health_alarms=HealthAlarms(),
        deployment=RollingDeployment(
            maximum_batch_size=CapacitySize.instances(1),
            wait_interval=Duration.minutes(2),
            maximum_execution_timeout=Duration.hours(1),
            rollback_maximum_batch_size=CapacitySize.percent(50),
        ),
    )
    deployment = only(Template.from_stack(stack), "AWS::SageMaker::Endpoint")["DeploymentConfig"]
    assert "BlueGreenUpdatePolicy" not in deployment
    assert deployment["RollingUpdatePolicy"] == {
        "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
        "WaitIntervalInSeconds": 120,
        "MaximumExecutionTimeoutInSeconds": 3600,
        "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
    }
    assert len(deployment["AutoRollbackConfiguration"]["Alarms"]) == 2


@pytest.mark.parametrize(
    "deployment, expected",
    [
        (
            RollingDeployment(maximum_batch_size=CapacitySize.copies(1), auto_rollback=False),
            r"deployment.maximum_batch_size.type = 'COPY_COUNT'",
        ),
        (
            BlueGreenDeployment(wait_interval=Duration.hours(2), auto_rollback=False),
            r"deployment.wait_interval = 7200: out of range; allowed: 0-3600 seconds",
        ),
        (
            RollingDeployment(maximum_batch_size=CapacitySize.percent(60), auto_rollback=False),
            r"deployment.maximum_batch_size.value = 60: a percentage of the fleet; allowed: 5-50",
        ),
    ],
    ids=["rolling-update-counted-in-copies", "blue-green-wait-beyond-an-hour", "rolling-batch-above-half"],
)
def test_fails_on_a_deployment_sagemaker_rejects(stack, bucket, deployment, expected):
    with pytest.raises(PropsError, match=expected):
        Endpoint(stack, "Endpoint", endpoint_config=config(stack, bucket), deployment=deployment)


def test_fails_on_a_rolling_update_of_an_endpoint_with_two_variants(stack, bucket):
    # "Exclusions" of deployment guardrails: a rolling deployment updates an endpoint of one variant.
    served = model(stack, bucket)
    two = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=served, variant_name=name) for name in ("a", "b")]
    )
    rolling = RollingDeployment(maximum_batch_size=CapacitySize.instances(1), auto_rollback=False)
    with pytest.raises(PropsError, match=r"deployment = \['a', 'b'\]: rolling deployments exclude endpoints"):
        Endpoint(stack, "Endpoint", endpoint_config=two, deployment=rolling)
