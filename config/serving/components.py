"""Inference components: one endpoint's instances (the component host) shared by several models, each with its own
compute, copy count, copy autoscaling (down to zero) and rolling updates.

The deployed component names come from `rules.naming.inference_component_name` (EnvironmentConfig.
inference_component_name), the one place they are decided; the stacks, the scaling targets, the smoke test and `ops`
all use it. Every limit here is a library rule's (rules.component_host, rules.component_spec), judged per field
where it concerns one value, so a config still reports every field's problem in one pass.
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, model_validator

from config.base import Section, by_rule, raise_problems, renamed
from config.serving.models import SmokeRequest
from config.serving.names import LocalName, RealTimeInstanceType, StartupTimeoutSeconds, VariantName
from config.serving.rolling import ComponentDeploymentSettings
from config.serving.variant_options import VariantOptions
from sagemaker_serving_cdk.rules.component_host import (
    component_host_problems, managed_scaling_problems, scale_to_zero_problems,
)
from sagemaker_serving_cdk.rules.bounds import bounds_problems
from sagemaker_serving_cdk.rules.component_spec import compute_requirement_problems, copy_count_problems
from sagemaker_serving_cdk.rules.components import ComputeDemand, component_fit_problems
from sagemaker_serving_cdk.rules.problems import Problem, at

CpuCores = Annotated[float, by_rule(lambda cores: compute_requirement_problems(cpu_cores=cores, field=""))]
MemoryMb = Annotated[int, by_rule(lambda mb: compute_requirement_problems(memory_mb=mb, field=""))]
Accelerators = Annotated[int, by_rule(lambda count: compute_requirement_problems(accelerators=count, field=""))]
Copies = Annotated[int, by_rule(copy_count_problems)]


class ManagedScalingSettings(Section):
    """Managed instance scaling: SageMaker adds instances when copies do not fit and removes idle ones."""

    min_instance_count: int = 1
    """0 lets the endpoint release every instance, which it does only when every component is at zero copies."""
    max_instance_count: Annotated[int, Field(le=1000)]

    @model_validator(mode="after")
    def _bounds(self) -> "ManagedScalingSettings":
        raise_problems(managed_scaling_problems(min_instance_count=self.min_instance_count,
                                                max_instance_count=self.max_instance_count, field=""))
        return self


class ComponentHostSettings(VariantOptions):
    """The endpoint's one variant when it hosts inference components: instances and no model of its own."""

    variant_name: VariantName = "AllTraffic"
    instance_type: RealTimeInstanceType
    """Every component must fit on one such instance."""
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = 1
    managed_scaling: Optional[ManagedScalingSettings] = None
    """Default: none, the endpoint keeps initial_instance_count instances (and no component may scale to zero)."""

    @model_validator(mode="after")
    def _initial_within_bounds(self) -> "ComponentHostSettings":
        scaling = self.managed_scaling
        if scaling is not None:
            raise_problems(renamed(component_host_problems(
                instance_type=self.instance_type, initial_instance_count=self.initial_instance_count,
                min_instance_count=scaling.min_instance_count, max_instance_count=scaling.max_instance_count, field=""),
                {name: f"managed_scaling.{name}" for name in ("min_instance_count", "max_instance_count")}))
        return self

    @property
    def max_instance_count(self) -> int:
        """The most instances the components can be placed on."""
        return self.managed_scaling.max_instance_count if self.managed_scaling else self.initial_instance_count


class ComponentAutoscalingSettings(Section):
    """Autoscaling of a component's copy count (scalable target `inference-component/<name>`, DesiredCopyCount),
    tracking invocations or concurrent requests per copy. min_copies 0 scales the component to zero; a step
    policy on NoCapacityInvocationFailures then wakes it on the first request (which fails: see the README)."""

    min_copies: Copies = 1
    max_copies: int
    invocations_per_copy: Optional[Annotated[float, Field(gt=0)]] = None
    """Target of InvocationsPerCopy (per minute)."""
    concurrent_requests_per_copy: Optional[Annotated[float, Field(gt=0)]] = None
    """Target of ConcurrentRequestsPerCopy (high resolution: reacts within seconds; long or streaming requests)."""

    @model_validator(mode="after")
    def _one_target(self) -> "ComponentAutoscalingSettings":
        targets = [name for name in ("invocations_per_copy", "concurrent_requests_per_copy")
                   if getattr(self, name) is not None]
        problems = [str(p) for p in self.bounds_problems()]
        if len(targets) != 1:
            problems.insert(0, f"set exactly one of invocations_per_copy or concurrent_requests_per_copy (got "
                               f"{', '.join(targets) or 'neither'})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def bounds_problems(self, copy_count: Optional[int] = None, field: str = "") -> list[Problem]:
        """The copy-count bounds rule (rules.bounds, as copy_scaling_problems applies it) under this section's names;
        `copy_count` (None: not checked) starts within them."""
        return bounds_problems(self.min_copies, self.max_copies, copy_count, min_field=at(field, "min_copies"),
                               max_field=at(field, "max_copies"), start_field="copy_count", counted="copies",
                               starts="the component")


class ComponentSettings(Section):
    """One inference component: a model of the serving config, its compute per copy and its copies."""

    model: LocalName
    """A key of the serving config's `models` (not multi-model: a component serves one model)."""
    cpu_cores: CpuCores
    """CPU cores reserved per copy (NumberOfCpuCoresRequired); at most the instance type's vCPUs."""
    memory_mb: MemoryMb
    """Memory reserved per copy (MinMemoryRequiredInMb); below the instance's memory, with headroom."""
    accelerators: Optional[Accelerators] = None
    """GPUs (or Neuron devices) per copy. Default: none."""
    copy_count: Annotated[int, Field(ge=1)] = 1
    """Copies at deployment. At least 1 here, so a deployed component serves (the API allows 0); it reaches zero
    copies by autoscaling."""
    autoscaling: Optional[ComponentAutoscalingSettings] = None
    """Default: the component keeps copy_count copies."""
    deployment: Optional[ComponentDeploymentSettings] = None
    """Default: SageMaker replaces the copies with no baking or rollback alarms."""
    container_startup_health_check_timeout_seconds: Optional[StartupTimeoutSeconds] = None
    model_data_download_timeout_seconds: Optional[StartupTimeoutSeconds] = None
    smoke_request: Optional[SmokeRequest] = None
    """What the smoke test sends this component. Default: its model's smoke_request."""

    @model_validator(mode="after")
    def _copies_within_scaling(self) -> "ComponentSettings":
        if self.autoscaling is not None:
            raise_problems(self.autoscaling.bounds_problems(self.copy_count, field="autoscaling"))
        return self

    @property
    def scales_to_zero(self) -> bool:
        return self.autoscaling is not None and self.autoscaling.min_copies == 0


def placement_problems(host: ComponentHostSettings, components: dict[str, ComponentSettings]) -> list[Problem]:
    """The components fit the host's instances (rules.components.component_fit_problems), and scaling to zero is
    configured so that it can happen (rules.component_host.scale_to_zero_problems: this app promises that a
    component at zero copies frees its instances, documented in the README)."""
    problems = component_fit_problems(
        host.instance_type,
        [ComputeDemand(name=name, cpu_cores=c.cpu_cores, memory_mb=c.memory_mb, accelerators=c.accelerators,
                       min_copies=c.copy_count) for name, c in components.items()],
        max_instance_count=host.max_instance_count)
    floor = host.managed_scaling.min_instance_count if host.managed_scaling else None
    return problems + scale_to_zero_problems([name for name, c in components.items() if c.scales_to_zero], floor)
