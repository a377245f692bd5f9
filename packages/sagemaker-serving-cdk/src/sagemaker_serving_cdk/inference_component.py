"""An inference component: one model placed on an endpoint's component host, with its own compute, copy count,
rolling updates, metrics and copy-count autoscaling (down to zero)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aws_cdk import (
    Duration,
    Resource,
    aws_cloudwatch as cloudwatch,
    aws_iam as iam,
    aws_sagemaker as sagemaker,
)
from constructs import Construct

from sagemaker_serving_cdk.endpoint import Endpoint, HealthAlarms, IEndpoint, RollingDeployment, health_alarm_pair
from sagemaker_serving_cdk.endpoint_config import EndpointConfig
from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.model import IModel
from sagemaker_serving_cdk.rules.component_spec import (
    component_model_problems,
    component_name_problems,
    compute_requirement_problems,
    copy_count_problems,
    startup_timeout_problems,
)
from sagemaker_serving_cdk.rules.components import ComputeDemand, component_fit_problems
from sagemaker_serving_cdk.rules.deployment import rollback_alarm_problems
from sagemaker_serving_cdk.rules.problems import Problem

if TYPE_CHECKING:
    from sagemaker_serving_cdk.component_scaling import ScalableCopyCount

# Invocations, latency and capacity failures per component; its utilization lives in the second namespace.
_NAMESPACE = "AWS/SageMaker"
_UTILIZATION_NAMESPACE = "/aws/sagemaker/InferenceComponents"


@dataclass(frozen=True)
class ComputeRequirements:
    """What one copy of the model reserves on an instance of the host."""

    cpu_cores: float
    """CPU cores (at least 0.25), checked against the instance type's vCPUs."""
    memory_mb: int
    """Memory reserved (at least 128 MB)."""
    max_memory_mb: int | None = None
    """The copy's memory limit. Default: none beyond the instance."""
    accelerators: int | None = None
    """GPUs or Neuron devices. Default: none (a CPU model)."""

    def problems(self, field: str = "compute") -> list[Problem]:
        return compute_requirement_problems(
            cpu_cores=self.cpu_cores,
            memory_mb=self.memory_mb,
            max_memory_mb=self.max_memory_mb,
            accelerators=self.accelerators,
            field=field,
        )


@runtime_checkable
class IInferenceComponent(Protocol):
    """An inference component: clients invoke its endpoint with `InferenceComponentName`."""

    @property
    def component_name(self) -> str: ...
    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant: ...


class _ImportedInferenceComponent(Resource):
    def __init__(self, scope: Construct, construct_id: str, *, component_name: str, endpoint: IEndpoint) -> None:
        super().__init__(scope, construct_id)
        self.component_name, self.endpoint = component_name, endpoint

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return self.endpoint.grant_invoke(grantee)


class InferenceComponent(Resource):
    """An `AWS::SageMaker::InferenceComponent` (id `Resource`) on an endpoint whose config has a
    `component_host`.

    Each component is its own construct and names only the endpoint, so adding or removing one changes neither
    the other components' logical IDs nor the endpoint config. The endpoint's name comes from its resource
    (GetAtt), so CloudFormation creates the component after the endpoint.

    CloudFormation has no counterpart of the endpoint's RetainAllVariantProperties here: an update of the
    component sets its copy count back to `copy_count`, and copy-count autoscaling adjusts it from there.

    :param endpoint: the endpoint of a config with a `component_host`.
    :param component_name: the physical InferenceComponentName. Required and meant to stay stable: clients
        invoke with it, and the copy-count scaling target and metrics are keyed by it; renaming replaces the
        component.
    :param model: the model each copy runs (its role pulls the image and reads the data).
    :param compute: what one copy reserves.
    :param variant_name: the host variant. Default: the host's.
    :param copy_count: copies at creation (0 is allowed: the component starts scaled to zero); they must fit,
        with the copies of the components already on the endpoint, on the host's maximum instances
        (`rules.components.component_fit_problems`, against the instance-spec table). Default: 1.
    :param startup_health_check_timeout: 60-3600 s. Default: SageMaker's.
    :param model_data_download_timeout: 60-3600 s. Default: SageMaker's.
    :param deployment: a rolling update of the copies (`CapacitySize.copies`/`.percent`). Default: SageMaker's
        default update.
    :param rollback_alarms: the alarms (1-10, with the health alarms) a rolling update with `auto_rollback` rolls
        back on; the host's execution role may read them. Default: none.
    :param health_alarms: the component's 5XX and p99 latency alarms (`Errors5xxAlarm`, `LatencyP99Alarm`) on its
        own metrics, notifying `health_alarms.action`; with a `deployment` they are rollback alarms too. Default:
        none.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: Endpoint,
        component_name: str,
        model: IModel,
        compute: ComputeRequirements,
        variant_name: str | None = None,
        copy_count: int = 1,
        startup_health_check_timeout: Duration | None = None,
        model_data_download_timeout: Duration | None = None,
        deployment: RollingDeployment | None = None,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
        health_alarms: HealthAlarms | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        config = endpoint.endpoint_config
        host = config.component_host if isinstance(config, EndpointConfig) else None
        problems = self._host_problems(endpoint, host, variant_name)
        problems += component_name_problems(component_name)
        problems += component_model_problems(multi_model=model.multi_model)
        problems += compute.problems()
        problems += copy_count_problems(copy_count)
        problems += startup_timeout_problems(
            _seconds(startup_health_check_timeout), field="startup_health_check_timeout"
        )
        problems += startup_timeout_problems(_seconds(model_data_download_timeout), field="model_data_download_timeout")
        if deployment is not None:
            problems += deployment.problems(target="component")
        problems += rollback_alarm_problems(
            len(rollback_alarms) + (2 if health_alarms is not None and deployment is not None else 0),
            auto_rollback=deployment is not None and deployment.auto_rollback,
            has_deployment=deployment is not None,
        )
        demand = ComputeDemand(
            name=component_name,
            cpu_cores=compute.cpu_cores,
            memory_mb=compute.memory_mb,
            accelerators=compute.accelerators,
            min_copies=copy_count,
        )
        if host is not None and not problems:
            # Checked against the components already on the endpoint: the one that no longer fits is named.
            problems += component_fit_problems(
                host.instance_type, [*endpoint.component_demands, demand], max_instance_count=host.max_instance_count
            )
        if problems:
            raise PropsError(self, [str(p) for p in problems])
        assert host is not None and isinstance(config, EndpointConfig)  # noqa: S101 - _host_problems checked it
        endpoint.component_demands.append(demand)

        self.endpoint = endpoint
        self.component_name = component_name
        self.model = model
        self.compute = compute
        self.copy_count = copy_count
        self.variant_name = variant_name or host.variant_name
        self.health_alarms: tuple[cloudwatch.Alarm, ...] = ()
        if health_alarms is not None:
            # On the component's own metrics (dimension InferenceComponentName): a component host's traffic is
            # counted per component. The alarms exist before the component (literal name), which depends on them.
            self.health_alarms = health_alarm_pair(
                self,
                health_alarms,
                errors=self.metric_invocation_5xx_errors(),
                latency_p99=self.metric_model_latency(statistic="p99"),
                guarded=None,  # the resource, created below, depends on them
            )
        self.rollback_alarms = tuple(rollback_alarms) + (self.health_alarms if deployment is not None else ())
        self.resource = sagemaker.CfnInferenceComponent(
            self,
            "Resource",
            # GetAtt, not the literal name: the component is created after the endpoint.
            endpoint_name=endpoint.endpoint.attr_endpoint_name,
            inference_component_name=component_name,
            variant_name=self.variant_name,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                model_name=model.model_name,
                compute_resource_requirements=sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                    number_of_cpu_cores_required=compute.cpu_cores,
                    min_memory_required_in_mb=compute.memory_mb,
                    max_memory_required_in_mb=compute.max_memory_mb,
                    number_of_accelerator_devices_required=compute.accelerators,
                ),
                startup_parameters=self._startup(startup_health_check_timeout, model_data_download_timeout),
            ),
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=copy_count
            ),
            deployment_config=self._deployment_config(deployment),
        )
        self.component_arn = self.resource.attr_inference_component_arn
        for alarm in self.health_alarms:
            self.resource.node.add_dependency(alarm)
        if deployment is not None and deployment.auto_rollback and config.execution_role is not None:
            # SageMaker reads the rollback alarms with the host's execution role during a rolling update.
            iam.Grant.add_to_principal(
                grantee=config.execution_role.role,
                actions=["cloudwatch:DescribeAlarms"],
                resource_arns=[a.alarm_arn for a in self.rollback_alarms],
            )

    @staticmethod
    def from_component_name(
        scope: Construct, construct_id: str, component_name: str, *, endpoint: IEndpoint
    ) -> IInferenceComponent:
        """A component that exists already, on `endpoint` (e.g. `Endpoint.from_endpoint_name(...)`)."""
        return _ImportedInferenceComponent(scope, construct_id, component_name=component_name, endpoint=endpoint)

    # -------------------------------------------------------------------------------------- scaling

    def auto_scale_copy_count(
        self,
        *,
        max_capacity: int,
        min_capacity: int = 0,
        scope: Construct | None = None,
        construct_id: str | None = None,
    ) -> ScalableCopyCount:
        """Application Auto Scaling of the copy count (`inference-component/<name>`); add policies to the result.

        :param max_capacity: the most copies.
        :param min_capacity: 0 lets the component scale to zero copies (add `scale_from_zero()`). Default: 0.
        :param scope: where the scaling constructs go. Default: this component.
        :param construct_id: default: `CopyScaling`.
        """
        from sagemaker_serving_cdk.component_scaling import ScalableCopyCount

        return ScalableCopyCount(
            scope or self,
            construct_id or "CopyScaling",
            component=self,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
        )

    # -------------------------------------------------------------------------------------- grants

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """sagemaker:InvokeEndpoint on the endpoint; clients pass `InferenceComponentName` (IAM has no
        per-component resource for invocation)."""
        return self.endpoint.grant_invoke(grantee)

    # -------------------------------------------------------------------------------------- metrics

    def metric(
        self,
        metric_name: str,
        *,
        namespace: str = _NAMESPACE,
        statistic: str = "Sum",
        period: Duration = Duration.minutes(1),
        **props: Any,
    ) -> cloudwatch.Metric:
        """A metric of this component (dimension InferenceComponentName)."""
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric_name,
            dimensions_map={"InferenceComponentName": self.component_name},
            statistic=statistic,
            period=period,
            **props,
        )

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        return self.metric("Invocations", **props)

    def metric_invocations_per_copy(self, **props: Any) -> cloudwatch.Metric:
        """Invocations divided by the copies serving; what copy-count target tracking follows."""
        return self.metric("InvocationsPerCopy", **props)

    def metric_model_latency(self, **props: Any) -> cloudwatch.Metric:
        """Microseconds; default statistic Average."""
        return self.metric("ModelLatency", **{"statistic": "Average", **props})

    def metric_invocation_5xx_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.metric("Invocation5XXErrors", **props)

    def metric_no_capacity_invocation_failures(self, **props: Any) -> cloudwatch.Metric:
        """Requests refused because no copy was running (a component at zero copies, or not yet placed)."""
        return self.metric("NoCapacityInvocationFailures", **props)

    def metric_cpu_utilization_normalized(self, **props: Any) -> cloudwatch.Metric:
        """Percent of the CPU cores the copies reserved; default statistic Average."""
        return self._utilization("CPUUtilizationNormalized", props)

    def metric_memory_utilization_normalized(self, **props: Any) -> cloudwatch.Metric:
        """Percent of the memory the copies reserved; default statistic Average."""
        return self._utilization("MemoryUtilizationNormalized", props)

    def metric_gpu_utilization_normalized(self, **props: Any) -> cloudwatch.Metric:
        """Percent of the accelerators the copies reserved; default statistic Average."""
        return self._utilization("GPUUtilizationNormalized", props)

    # -------------------------------------------------------------------------------------- internals

    def _utilization(self, name: str, props: dict[str, Any]) -> cloudwatch.Metric:
        return self.metric(name, namespace=_UTILIZATION_NAMESPACE, **{"statistic": "Average", **props})

    @staticmethod
    def _host_problems(endpoint: Endpoint, host: Any, variant_name: str | None) -> list[Problem]:
        if host is None:
            return [
                Problem(
                    "endpoint",
                    endpoint.node.path,
                    "an Endpoint whose EndpointConfig has a component_host",
                    "inference components are placed on a component host (no model on its variant)",
                )
            ]
        if variant_name is not None and variant_name != host.variant_name:
            return [Problem("variant_name", variant_name, repr(host.variant_name), "not the endpoint's host variant")]
        return []

    @staticmethod
    def _startup(
        health_check: Duration | None, download: Duration | None
    ) -> sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty | None:
        if health_check is None and download is None:
            return None
        return sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
            container_startup_health_check_timeout_in_seconds=_seconds(health_check),
            model_data_download_timeout_in_seconds=_seconds(download),
        )

    def _deployment_config(
        self, deployment: RollingDeployment | None
    ) -> sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty | None:
        if deployment is None:
            return None
        rollback = deployment.rollback_maximum_batch_size
        timeout = deployment.maximum_execution_timeout
        alarms = None
        if deployment.auto_rollback:
            alarms = sagemaker.CfnInferenceComponent.AutoRollbackConfigurationProperty(
                alarms=[
                    sagemaker.CfnInferenceComponent.AlarmProperty(alarm_name=a.alarm_name) for a in self.rollback_alarms
                ]
            )
        return sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty(
            rolling_update_policy=sagemaker.CfnInferenceComponent.InferenceComponentRollingUpdatePolicyProperty(
                maximum_batch_size=_capacity(deployment.maximum_batch_size.type, deployment.maximum_batch_size.value),
                wait_interval_in_seconds=_seconds(deployment.wait_interval),
                maximum_execution_timeout_in_seconds=_seconds(timeout),
                rollback_maximum_batch_size=None if rollback is None else _capacity(rollback.type, rollback.value),
            ),
            auto_rollback_configuration=alarms,
        )


def _capacity(size_type: str, value: int) -> sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty:
    return sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty(type=size_type, value=value)


def _seconds(duration: Duration | None) -> int | None:
    return None if duration is None else int(duration.to_seconds())


__all__ = ["ComputeRequirements", "IInferenceComponent", "InferenceComponent"]
