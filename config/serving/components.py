"""Inference components: one endpoint's instances (the component host) shared by several models, each with its own
compute, copy count, copy autoscaling (down to zero) and rolling updates.

The deployed component names come from `inference_component_name`, the one place they are decided; the stacks,
the scaling targets, the smoke test and `ops` all use it.
"""

from __future__ import annotations

import re
from typing import Annotated, Optional

from pydantic import Field, model_validator

from config.base import Section
from config.serving.models import SmokeRequest
from config.serving.names import LocalName, RealTimeInstanceType, VariantName
from config.serving.rolling import ComponentDeploymentSettings
from config.serving.variant_options import VariantOptions
from sagemaker_serving_cdk.rules.components import ComputeDemand, component_fit_problems
from sagemaker_serving_cdk.rules.naming import endpoint_name

# CreateInferenceComponent, InferenceComponentName: at most 63 characters of this pattern.
COMPONENT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
MAX_COMPONENT_NAME_LENGTH = 63


def inference_component_name(name_prefix: str, endpoint: str, component: str) -> str:
    """The stable physical name of component `component` (a key of the endpoint's `components`) on endpoint
    `endpoint`: `<name_prefix>-<endpoint>-<component>`. Stable because its scalable target
    (`inference-component/<name>`), its alarms and every client (InferenceComponentName) name it."""
    return f"{endpoint_name(name_prefix, endpoint)}-{component}"


def component_name_problem(name: str) -> Optional[str]:
    """Why SageMaker would reject `name` as an InferenceComponentName, or None when it is valid."""
    if len(name) > MAX_COMPONENT_NAME_LENGTH:
        return f"{name!r} has {len(name)} characters; SageMaker allows at most {MAX_COMPONENT_NAME_LENGTH}"
    if not COMPONENT_NAME_PATTERN.match(name):
        return f"{name!r} does not match SageMaker's {COMPONENT_NAME_PATTERN.pattern}"
    return None


class ManagedScalingSettings(Section):
    """Managed instance scaling: SageMaker adds instances when copies do not fit and removes idle ones."""

    min_instance_count: Annotated[int, Field(ge=0)] = 1
    """0 lets the endpoint release every instance, which it does only when every component is at zero copies."""
    max_instance_count: Annotated[int, Field(ge=1, le=1000)]

    @model_validator(mode="after")
    def _bounds(self) -> "ManagedScalingSettings":
        if self.min_instance_count > self.max_instance_count:
            raise ValueError(f"min_instance_count ({self.min_instance_count}) must be <= max_instance_count "
                             f"({self.max_instance_count})")
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
        if scaling is not None and not scaling.min_instance_count <= self.initial_instance_count <= scaling.max_instance_count:
            raise ValueError(f"initial_instance_count ({self.initial_instance_count}) must be within managed_scaling "
                             f"({scaling.min_instance_count} to {scaling.max_instance_count})")
        return self

    @property
    def max_instance_count(self) -> int:
        """The most instances the components can be placed on."""
        return self.managed_scaling.max_instance_count if self.managed_scaling else self.initial_instance_count


class ComponentAutoscalingSettings(Section):
    """Autoscaling of a component's copy count (scalable target `inference-component/<name>`, DesiredCopyCount),
    tracking invocations or concurrent requests per copy. min_copies 0 scales the component to zero; a step
    policy on NoCapacityInvocationFailures then wakes it on the first request (which fails: see the README)."""

    min_copies: Annotated[int, Field(ge=0)] = 1
    max_copies: Annotated[int, Field(ge=1)]
    invocations_per_copy: Optional[Annotated[float, Field(gt=0)]] = None
    """Target of InvocationsPerCopy (per minute)."""
    concurrent_requests_per_copy: Optional[Annotated[float, Field(gt=0)]] = None
    """Target of ConcurrentRequestsPerCopy (high resolution: reacts within seconds; long or streaming requests)."""

    @model_validator(mode="after")
    def _one_target(self) -> "ComponentAutoscalingSettings":
        targets = [name for name in ("invocations_per_copy", "concurrent_requests_per_copy")
                   if getattr(self, name) is not None]
        if len(targets) != 1:
            raise ValueError(f"set exactly one of invocations_per_copy or concurrent_requests_per_copy (got "
                             f"{', '.join(targets) or 'neither'})")
        if self.min_copies > self.max_copies:
            raise ValueError(f"min_copies ({self.min_copies}) must be <= max_copies ({self.max_copies})")
        return self


class ComponentSettings(Section):
    """One inference component: a model of the serving config, its compute per copy and its copies."""

    model: LocalName
    """A key of the serving config's `models` (not multi-model: a component serves one model)."""
    cpu_cores: Annotated[float, Field(ge=0.25)]
    """CPU cores reserved per copy (NumberOfCpuCoresRequired); at most the instance type's vCPUs."""
    memory_mb: Annotated[int, Field(ge=128)]
    """Memory reserved per copy (MinMemoryRequiredInMb); below the instance's memory, with headroom."""
    accelerators: Optional[Annotated[int, Field(ge=1)]] = None
    """GPUs (or Neuron devices) per copy. Default: none."""
    copy_count: Annotated[int, Field(ge=1)] = 1
    """Copies at deployment (SageMaker refuses 0: a component reaches zero by autoscaling)."""
    autoscaling: Optional[ComponentAutoscalingSettings] = None
    """Default: the component keeps copy_count copies."""
    deployment: Optional[ComponentDeploymentSettings] = None
    """Default: SageMaker replaces the copies with no baking or rollback alarms."""
    container_startup_health_check_timeout_seconds: Optional[Annotated[int, Field(ge=60, le=3600)]] = None
    model_data_download_timeout_seconds: Optional[Annotated[int, Field(ge=60, le=3600)]] = None
    smoke_request: Optional[SmokeRequest] = None
    """What the smoke test sends this component. Default: its model's smoke_request."""

    @model_validator(mode="after")
    def _copies_within_scaling(self) -> "ComponentSettings":
        scaling = self.autoscaling
        if scaling is not None and not scaling.min_copies <= self.copy_count <= scaling.max_copies:
            raise ValueError(f"copy_count ({self.copy_count}) must be within autoscaling's min_copies "
                             f"({scaling.min_copies}) and max_copies ({scaling.max_copies})")
        return self

    @property
    def scales_to_zero(self) -> bool:
        return self.autoscaling is not None and self.autoscaling.min_copies == 0


def component_host_problems(host: ComponentHostSettings, components: dict[str, ComponentSettings]) -> list[str]:
    """The components fit the host's instances, and scaling to zero is configured so that it can happen.

    Scale to zero (decided here, documented in the README): a component may have min_copies 0 only on a host with
    managed scaling down to min_instance_count 0 (AWS's prerequisite for scaling to zero: "Scale an endpoint to zero
    instances"), and a host with min_instance_count 0 needs a component that can scale to zero, or the floor it
    promises is unreachable. The endpoint itself reaches zero instances only when every component is at zero copies.
    """
    problems = [str(problem) for problem in component_fit_problems(
        host.instance_type,
        [ComputeDemand(name=name, cpu_cores=c.cpu_cores, memory_mb=c.memory_mb, accelerators=c.accelerators,
                       min_copies=c.copy_count) for name, c in components.items()],
        max_instance_count=host.max_instance_count)]
    floor = host.managed_scaling.min_instance_count if host.managed_scaling else None
    to_zero = sorted(name for name, c in components.items() if c.scales_to_zero)
    if to_zero and floor != 0:
        problems.append(f"components {to_zero} scale to zero copies (autoscaling.min_copies 0), which needs "
                        f"component_host.managed_scaling.min_instance_count 0 (got "
                        f"{'no managed_scaling' if floor is None else floor})")
    if floor == 0 and not to_zero:
        problems.append("component_host.managed_scaling.min_instance_count is 0, but no component scales to zero "
                        "copies (autoscaling.min_copies 0), so the endpoint can never release its last instance; "
                        "set min_instance_count >= 1 or let a component scale to zero")
    return problems
