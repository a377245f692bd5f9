"""InferenceComponent: placement on a component host, stable logical IDs, rolling updates, metrics, grants."""

from __future__ import annotations

import pytest
from aws_cdk import (
    App,
    Duration,
    Stack,
    aws_cloudwatch as cloudwatch,
    aws_cloudwatch_actions as cw_actions,
    aws_iam as iam,
    aws_s3 as s3,
    aws_sns as sns,
)
from aws_cdk.assertions import Template

from helpers import model, statements
from sagemaker_serving_cdk import (
    CapacitySize,
    ComponentHostVariant,
    ComputeRequirements,
    ContainerImage,
    Endpoint,
    EndpointAlarms,
    EndpointConfig,
    HealthAlarms,
    IInferenceComponent,
    InferenceComponent,
    InstanceVariant,
    ManagedInstanceScaling,
    ModelData,
    PropsError,
    RollingDeployment,
    SageMakerExecutionRole,
)

SMALL = ComputeRequirements(cpu_cores=1, memory_mb=1024)


def host_endpoint(stack: Stack, **host) -> Endpoint:
    host.setdefault("instance_type", "ml.m5.2xlarge")
    host.setdefault("managed_scaling", ManagedInstanceScaling(max_instance_count=2, min_instance_count=0))
    config = EndpointConfig(
        stack,
        "Config",
        component_host=ComponentHostVariant(**host),
        execution_role=SageMakerExecutionRole(stack, "Role"),
    )
    return Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="shared")


def app_with(component_ids: list[str]) -> Template:
    stack = Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})
    bucket = s3.Bucket(stack, "Models")
    endpoint = host_endpoint(stack)
    for component_id in component_ids:
        InferenceComponent(
            stack,
            component_id,
            endpoint=endpoint,
            component_name=f"shared-{component_id.lower()}",
            model=model(stack, bucket, f"{component_id}Model"),
            compute=SMALL,
        )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def two_components() -> Template:
    return app_with(["Churn", "Fraud"])


@pytest.fixture(scope="module")
def guarded():
    stack = Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})
    endpoint = host_endpoint(stack)
    alarm = cloudwatch.Alarm(
        stack,
        "Errors",
        metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="Invocation5XXErrors"),
        threshold=1,
        evaluation_periods=1,
    )
    component = InferenceComponent(
        stack,
        "Llm",
        endpoint=endpoint,
        component_name="shared-llm",
        model=model(stack, s3.Bucket(stack, "Models")),
        compute=ComputeRequirements(cpu_cores=2, memory_mb=4096, max_memory_mb=8192),
        copy_count=2,
        startup_health_check_timeout=Duration.minutes(10),
        deployment=RollingDeployment(
            maximum_batch_size=CapacitySize.copies(1),
            wait_interval=Duration.seconds(120),
            rollback_maximum_batch_size=CapacitySize.percent(100),
        ),
        rollback_alarms=[alarm],
    )
    client = iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    component.grant_invoke(client)
    return component, Template.from_stack(stack)


def components(template: Template) -> dict:
    return template.find_resources("AWS::SageMaker::InferenceComponent")


def test_each_component_names_the_endpoint_by_its_resource(two_components):
    found = components(two_components)
    (endpoint_id,) = two_components.find_resources("AWS::SageMaker::Endpoint")
    assert len(found) == 2
    for resource in found.values():
        props = resource["Properties"]
        assert props["EndpointName"] == {"Fn::GetAtt": [endpoint_id, "EndpointName"]}
        assert props["VariantName"] == "AllTraffic"
        assert props["RuntimeConfig"] == {"CopyCount": 1}
        assert props["Specification"]["ComputeResourceRequirements"] == {
            "NumberOfCpuCoresRequired": 1,
            "MinMemoryRequiredInMb": 1024,
        }
        assert "Fn::GetAtt" in props["Specification"]["ModelName"]
    names = sorted(r["Properties"]["InferenceComponentName"] for r in found.values())
    assert names == ["shared-churn", "shared-fraud"]


def test_adding_or_removing_a_component_touches_nothing_else(two_components):
    one = app_with(["Churn"])
    three = app_with(["Churn", "Fraud", "Vision"])
    churn = {k: v for k, v in components(two_components).items() if k.startswith("Churn")}
    for other in (one, three):
        assert {k: v for k, v in components(other).items() if k.startswith("Churn")} == churn
        assert other.find_resources("AWS::SageMaker::EndpointConfig") == two_components.find_resources(
            "AWS::SageMaker::EndpointConfig"
        )


def test_rolling_update_of_copies_rolls_back_on_the_alarms(guarded):
    _, template = guarded
    (props,) = [r["Properties"] for r in components(template).values()]
    assert props["DeploymentConfig"]["RollingUpdatePolicy"] == {
        "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
        "WaitIntervalInSeconds": 120,
        "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
    }
    (alarm_id,) = template.find_resources("AWS::CloudWatch::Alarm")
    assert props["DeploymentConfig"]["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": {"Ref": alarm_id}}]}
    assert props["Specification"]["StartupParameters"] == {"ContainerStartupHealthCheckTimeoutInSeconds": 600}
    assert props["Specification"]["ComputeResourceRequirements"]["MaxMemoryRequiredInMb"] == 8192


def test_the_host_role_reads_the_rollback_alarms_and_clients_invoke_the_endpoint(guarded):
    _, template = guarded
    granted = statements(template)
    (alarm_id,) = template.find_resources("AWS::CloudWatch::Alarm")
    describe = [s for s in granted if s["Action"] == "cloudwatch:DescribeAlarms"]
    assert describe and describe[0]["Resource"] == {"Fn::GetAtt": [alarm_id, "Arn"]}
    invoke = [s for s in granted if "sagemaker:InvokeEndpoint" in s["Action"]]
    assert invoke and "endpoint/shared" in str(invoke[0]["Resource"])


def test_metrics_name_the_component(guarded):
    component, _ = guarded
    assert isinstance(component, IInferenceComponent)
    failures = component.metric_no_capacity_invocation_failures()
    assert (failures.namespace, failures.metric_name, failures.statistic) == (
        "AWS/SageMaker",
        "NoCapacityInvocationFailures",
        "Sum",
    )
    assert failures.dimensions == {"InferenceComponentName": "shared-llm"}
    assert component.metric_invocations_per_copy().metric_name == "InvocationsPerCopy"
    assert component.metric_model_latency().statistic == "Average"
    cpu = component.metric_cpu_utilization_normalized()
    assert (cpu.namespace, cpu.metric_name) == ("/aws/sagemaker/InferenceComponents", "CPUUtilizationNormalized")
    assert component.metric_gpu_utilization_normalized().metric_name == "GPUUtilizationNormalized"
    assert component.metric_memory_utilization_normalized().dimensions == {"InferenceComponentName": "shared-llm"}


def test_fails_on_an_endpoint_without_a_component_host(stack, bucket):
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    with pytest.raises(PropsError, match=r"^Lib/Component: endpoint = 'Lib/Endpoint': inference components are placed"):
        InferenceComponent(
            stack, "Component", endpoint=endpoint, component_name="c", model=model(stack, bucket, "M2"), compute=SMALL
        )


def test_fails_listing_every_component_problem(stack, bucket):
    endpoint = host_endpoint(stack)
    with pytest.raises(PropsError) as raised:
        InferenceComponent(
            stack,
            "Component",
            endpoint=endpoint,
            component_name="bad_name-",
            model=model(stack, bucket),
            compute=ComputeRequirements(cpu_cores=0.1, memory_mb=64, accelerators=0),
            variant_name="other",
            copy_count=-1,
            model_data_download_timeout=Duration.hours(2),
            deployment=RollingDeployment(maximum_batch_size=CapacitySize.instances(1)),
        )
    message = str(raised.value)
    for expected in (
        "variant_name = 'other'",
        "component_name = 'bad_name-'",
        "compute.cpu_cores = 0.1",
        "compute.memory_mb = 64",
        "compute.accelerators = 0",
        "copy_count = -1",
        "model_data_download_timeout = 7200",
        "deployment.maximum_batch_size.type = 'INSTANCE_COUNT'",
        "rollback_alarms = 0",
    ):
        assert expected in message, expected


def test_fails_on_rollback_alarms_without_a_deployment(stack, bucket):
    alarm = cloudwatch.Alarm.from_alarm_arn(stack, "A", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x")
    with pytest.raises(PropsError, match=r"rollback_alarms = 1: the alarms would guard nothing"):
        InferenceComponent(
            stack,
            "Component",
            endpoint=host_endpoint(stack),
            component_name="c",
            model=model(stack, bucket),
            compute=SMALL,
            rollback_alarms=[alarm],
        )


def place(stack, endpoint, name, compute, copy_count=1, bucket=None):
    return InferenceComponent(
        stack,
        name.capitalize(),
        endpoint=endpoint,
        component_name=name,
        model=model(stack, bucket or s3.Bucket(stack, f"{name}Models"), f"{name}Model"),
        compute=compute,
        copy_count=copy_count,
    )


def test_fails_on_a_copy_larger_than_one_instance(stack):
    endpoint = host_endpoint(stack)  # ml.m5.2xlarge: 8 vCPUs, 32 GiB; up to 2 instances
    with pytest.raises(PropsError, match=r"^Lib/Big: components.big.cpu_cores = 16"):
        place(stack, endpoint, "big", ComputeRequirements(cpu_cores=16, memory_mb=1024))


def test_fails_on_accelerators_of_a_cpu_instance(stack):
    with pytest.raises(PropsError, match=r"components.gpu.accelerators = 1"):
        place(stack, host_endpoint(stack), "gpu", ComputeRequirements(cpu_cores=1, memory_mb=1024, accelerators=1))


def test_fails_on_the_component_that_no_longer_fits_beside_the_others(stack):
    endpoint = host_endpoint(stack)
    place(stack, endpoint, "first", ComputeRequirements(cpu_cores=6, memory_mb=1024), copy_count=2)
    with pytest.raises(PropsError) as raised:
        place(stack, endpoint, "second", ComputeRequirements(cpu_cores=6, memory_mb=1024))
    assert raised.value.path == "Lib/Second"
    assert "components.*.cpu_cores = 18" in str(raised.value) and "2 x ml.m5.2xlarge" in str(raised.value)
    # The failed component was not counted: a smaller one still fits.
    place(stack, endpoint, "third", ComputeRequirements(cpu_cores=4, memory_mb=1024))


def test_an_imported_component_grants_invoke_on_its_endpoint(stack):
    endpoint = Endpoint.from_endpoint_name(stack, "Existing", "Team-Shared")
    imported = InferenceComponent.from_component_name(stack, "Imported", "team-shared-churn", endpoint=endpoint)
    assert isinstance(imported, IInferenceComponent) and imported.component_name == "team-shared-churn"
    imported.grant_invoke(iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal()))
    (statement,) = statements(Template.from_stack(stack))
    assert "endpoint/team-shared" in str(statement["Resource"])


def test_fails_on_a_multi_model_model(stack, bucket):
    # "each inference component contains one model" (CreateInferenceComponent, Specification).
    multi = model(
        stack,
        bucket,
        image=ContainerImage.from_framework("xgboost", "1.7-1", entry_point=None),  # its built-in handler
        model_data=ModelData.multi_model(bucket, "models/"),
        network_isolation=False,
    )
    with pytest.raises(PropsError, match=r"model = 'multi-model': an inference component serves one model"):
        InferenceComponent(
            stack,
            "Component",
            endpoint=host_endpoint(stack),
            component_name="multi",
            model=multi,
            compute=ComputeRequirements(cpu_cores=1, memory_mb=1024),
        )


@pytest.fixture(scope="module")
def watched():
    """A component with health alarms and a rolling update, and the endpoint's per-component alarms."""
    stack = Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})
    endpoint = host_endpoint(stack)
    topic = sns.Topic(stack, "Topic")
    component = InferenceComponent(
        stack,
        "Churn",
        endpoint=endpoint,
        component_name="shared-churn",
        model=model(stack, s3.Bucket(stack, "Models")),
        compute=SMALL,
        deployment=RollingDeployment(maximum_batch_size=CapacitySize.copies(1)),
        health_alarms=HealthAlarms(errors_5xx_per_minute=3, latency_p99_ms=250, action=cw_actions.SnsAction(topic)),
    )
    alarms = EndpointAlarms(
        stack,
        "Alarms",
        endpoint=endpoint,
        action=cw_actions.SnsAction(topic),
        name_prefix="t-shared",
        components=[component],
    )
    return component, alarms, Template.from_stack(stack)


def test_health_alarms_watch_the_component_and_roll_back_its_updates(watched):
    component, _, template = watched
    resources = template.to_json()["Resources"]
    by_metric = {
        r["Properties"]["MetricName"]: (k, r["Properties"])
        for k, r in resources.items()
        if r["Type"] == "AWS::CloudWatch::Alarm" and k.startswith("Churn")
    }
    errors_id, errors = by_metric["Invocation5XXErrors"]
    latency_id, latency = by_metric["ModelLatency"]
    assert (
        errors["Dimensions"] == latency["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "shared-churn"}]
    )
    assert (errors["Threshold"], latency["Threshold"], latency["ExtendedStatistic"]) == (3, 250_000, "p99")
    (resource_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::SageMaker::InferenceComponent"]
    assert {errors_id, latency_id} <= set(resources[resource_id]["DependsOn"])
    rollback = resources[resource_id]["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    assert [a["AlarmName"] for a in rollback] == [{"Ref": errors_id}, {"Ref": latency_id}]
    assert len(component.health_alarms) == 2


def test_a_component_host_gets_alarms_per_component_not_per_variant(watched):
    _, alarms, template = watched
    names = {
        r["Properties"]["AlarmName"]
        for r in template.find_resources("AWS::CloudWatch::Alarm").values()
        if "AlarmName" in r["Properties"]
    }
    for kind in ("5xx", "model-latency-p99", "no-capacity", "cpu", "memory"):
        assert f"shared-churn-{kind}-warning" in names, kind
    assert not any(n.startswith("t-shared-") for n in names)  # nothing per variant
    # The component's own health alarms are the critical levels, reported on recovery too.
    assert all(a in alarms.all_alarms for a in watched[0].health_alarms)
    no_capacity = next(
        r["Properties"]
        for r in template.find_resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("AlarmName") == "shared-churn-no-capacity-warning"
    )
    assert (no_capacity["MetricName"], no_capacity["Threshold"]) == ("NoCapacityInvocationFailures", 10)


def test_fails_on_components_of_an_endpoint_without_a_component_host(stack, bucket):
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(model=model(stack, bucket), variant_name="main")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config, endpoint_name="plain")
    other = InferenceComponent(
        stack,
        "Other",
        endpoint=host_endpoint_named(stack, "Host"),
        component_name="shared-other",
        model=model(stack, bucket, "OtherModel"),
        compute=SMALL,
    )
    topic = sns.Topic(stack, "Topic")
    with pytest.raises(
        PropsError,
        match=r"^Lib/Alarms: components are given, but the endpoint's config has no "
        r"component_host",
    ):
        EndpointAlarms(
            stack, "Alarms", endpoint=endpoint, action=cw_actions.SnsAction(topic), name_prefix="t", components=[other]
        )


def host_endpoint_named(stack: Stack, prefix: str) -> Endpoint:
    config = EndpointConfig(
        stack,
        f"{prefix}Config",
        component_host=ComponentHostVariant(instance_type="ml.m5.2xlarge"),
        execution_role=SageMakerExecutionRole(stack, f"{prefix}Role"),
    )
    return Endpoint(stack, f"{prefix}Endpoint", endpoint_config=config, endpoint_name="host")
