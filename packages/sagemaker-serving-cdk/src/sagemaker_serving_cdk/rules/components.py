"""Whether inference components fit the instances of the endpoint that hosts them.

SageMaker places each copy of a component on one instance, reserving the component's CPU cores, accelerators
and memory there, and adds instances (up to managed scaling's maximum) to place more copies. So:
- one copy must fit on one instance: cores <= vCPUs, memory <= the instance's memory, accelerators <= GPUs;
- all copies that must run at once must fit on the maximum number of instances (checked on totals, which is
  necessary, not sufficient: copies do not split across instances).
SageMaker also keeps some of each instance's memory for its own agents and documents no figure, so a component
asking for all of it may still fail to place; the message says so. Cores are checked against the EC2 type's vCPUs,
the upper bound, as the SageMaker SDK's ModelBuilder does when it sizes components (DescribeInstanceTypes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sagemaker_serving_cdk.rules.instances import instance_spec
from sagemaker_serving_cdk.rules.problems import Problem

_HEADROOM = "SageMaker keeps part of each instance's memory for its agents (no documented figure): leave headroom"


@dataclass(frozen=True)
class ComputeDemand:
    """One component's compute requirements and the copies that must be placed at once (its initial copy
    count, or its autoscaling minimum when that is higher)."""

    name: str
    cpu_cores: float
    memory_mb: int
    accelerators: int | None = None
    min_copies: int = 1


def component_fit_problems(
    instance_type: str, components: Sequence[ComputeDemand], *, max_instance_count: int
) -> list[Problem]:
    """Problems, with fields `components.<name>.<requirement>`, for components that cannot be placed."""
    spec = instance_spec(instance_type)
    if spec is None:
        return [
            Problem(
                "instance_type",
                instance_type,
                "an instance type listed in the instance-spec table (_data/instance_specs.py)",
                "the table (AWS's EC2 price list, via Apache Libcloud) has no vCPU, memory or GPU figures for this "
                "type, so its components' fit cannot be checked",
            )
        ]
    problems: list[Problem] = []
    for c in components:
        where = f"components.{c.name}"
        if c.cpu_cores > spec.vcpus:
            problems.append(
                Problem(
                    f"{where}.cpu_cores",
                    c.cpu_cores,
                    f"at most {spec.vcpus} (the vCPUs of one {instance_type})",
                    "one copy runs on one instance",
                )
            )
        if c.memory_mb > spec.memory_mib:
            problems.append(
                Problem(
                    f"{where}.memory_mb",
                    c.memory_mb,
                    f"below {spec.memory_mib} (the MiB of one {instance_type}); {_HEADROOM}",
                    "one copy runs on one instance",
                )
            )
        if c.accelerators and spec.gpus is not None and c.accelerators > spec.gpus:
            problems.append(
                Problem(
                    f"{where}.accelerators",
                    c.accelerators,
                    f"at most {spec.gpus} (the GPUs of one {instance_type})" if spec.gpus else "none on this type",
                    f"{instance_type} has {spec.gpus or 'no'} GPUs",
                )
            )
    if problems:
        return problems
    totals = {
        "cpu_cores": (sum(c.cpu_cores * c.min_copies for c in components), spec.vcpus, "vCPUs"),
        "memory_mb": (sum(c.memory_mb * c.min_copies for c in components), spec.memory_mib, "MiB"),
        "accelerators": (sum((c.accelerators or 0) * c.min_copies for c in components), spec.gpus, "GPUs"),
    }
    for requirement, (needed, per_instance, unit) in totals.items():
        if per_instance is None or needed <= per_instance * max_instance_count:
            continue
        problems.append(
            Problem(
                f"components.*.{requirement}",
                needed,
                f"at most {per_instance * max_instance_count} {unit} ({max_instance_count} x {instance_type}): "
                "fewer copies, smaller components, or a higher max_instance_count",
                "the copies that must run at once need more than the endpoint's maximum instances offer",
            )
        )
    return problems
