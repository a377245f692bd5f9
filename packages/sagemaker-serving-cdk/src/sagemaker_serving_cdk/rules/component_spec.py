"""One inference component: its stable name, compute requirements, copy count, and copy-count scaling.

From the CreateInferenceComponent API reference: InferenceComponentName (1-63 characters, pattern below),
ComputeResourceRequirements (NumberOfCpuCoresRequired >= 0.25, MinMemoryRequiredInMb >= 128 and required,
MaxMemoryRequiredInMb >= 128, NumberOfAcceleratorDevicesRequired >= 1), RuntimeConfig CopyCount >= 0,
StartupParameters timeouts 60-3600 s; "each inference component contains one model" (Specification), so not a
multi-model one (InvokeEndpoint with InferenceComponentName has no TargetModel to pick among many). Scaling a
copy count to zero is what inference components allow (Application Auto Scaling
`sagemaker:inference-component:DesiredCopyCount`, min 0).
"""

from __future__ import annotations

import re

from sagemaker_serving_cdk.rules.bounds import bounds_problems
from sagemaker_serving_cdk.rules.problems import Problem, at

COMPONENT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$")
MAX_COMPONENT_NAME_LENGTH = 63
MIN_CPU_CORES = 0.25
MIN_MEMORY_MB = 128
STARTUP_TIMEOUT_SECONDS = (60, 3600)


def component_name_problems(name: str, *, field: str = "component_name") -> list[Problem]:
    """SageMaker's InferenceComponentName rule. The name must also stay stable: scaling, alarms and clients use it."""
    too_long = len(name) > MAX_COMPONENT_NAME_LENGTH
    if too_long or not COMPONENT_NAME_PATTERN.match(name):
        return [
            Problem(
                field,
                name,
                f"1-{MAX_COMPONENT_NAME_LENGTH} letters, digits and hyphens, starting and ending with a letter "
                "or digit",
                f"not an InferenceComponentName{f' ({len(name)} characters)' if too_long else ''}",
            )
        ]
    return []


def component_model_problems(*, multi_model: bool, field: str = "model") -> list[Problem]:
    """The model a component serves: one model, not a multi-model endpoint's set."""
    if multi_model:
        return [Problem(field, "multi-model", "a single-model model", "an inference component serves one model")]
    return []


def compute_requirement_problems(
    *,
    cpu_cores: float | None = None,
    memory_mb: int | None = None,
    max_memory_mb: int | None = None,
    accelerators: int | None = None,
    field: str = "compute",
) -> list[Problem]:
    """What one copy of the model reserves on an instance (None: not given, nothing to check)."""
    problems = []
    if cpu_cores is not None and cpu_cores < MIN_CPU_CORES:
        problems.append(Problem(at(field, "cpu_cores"), cpu_cores, f">= {MIN_CPU_CORES}", "below SageMaker's minimum"))
    if memory_mb is not None and memory_mb < MIN_MEMORY_MB:
        problems.append(Problem(at(field, "memory_mb"), memory_mb, f">= {MIN_MEMORY_MB}", "below SageMaker's minimum"))
    if max_memory_mb is not None and max_memory_mb < max(memory_mb or 0, MIN_MEMORY_MB):
        problems.append(
            Problem(
                at(field, "max_memory_mb"),
                max_memory_mb,
                f">= memory_mb ({memory_mb}) and >= {MIN_MEMORY_MB}",
                "the limit is below the reservation",
            )
        )
    if accelerators is not None and accelerators < 1:
        problems.append(
            Problem(
                at(field, "accelerators"), accelerators, ">= 1, or None for CPU models", "no accelerator to reserve"
            )
        )
    return problems


def copy_count_problems(copy_count: int, *, field: str = "copy_count") -> list[Problem]:
    if copy_count < 0:
        return [Problem(field, copy_count, ">= 0", "a negative number of copies")]
    return []


def startup_timeout_problems(seconds: int | None, *, field: str) -> list[Problem]:
    low, high = STARTUP_TIMEOUT_SECONDS
    if seconds is not None and not low <= seconds <= high:
        return [Problem(field, seconds, f"{low}-{high} seconds", "out of range")]
    return []


def copy_scaling_problems(
    *, min_capacity: int, max_capacity: int, copy_count: int | None = None, field: str = "copy_scaling"
) -> list[Problem]:
    """Copy-count autoscaling bounds: 0 <= min <= copy_count <= max, max >= 1 (copy_count None: not checked)."""
    return bounds_problems(
        min_capacity,
        max_capacity,
        copy_count,
        min_field=at(field, "min_capacity"),
        max_field=at(field, "max_capacity"),
        start_field="copy_count",
        counted="copies",
        starts="the component",
    )


def scale_from_zero_problems(min_capacity: int, *, field: str = "copy_scaling.min_capacity") -> list[Problem]:
    """The wake-up step policy only acts on a component that can be at zero copies."""
    if min_capacity != 0:
        return [
            Problem(
                field,
                min_capacity,
                "0 (scale_from_zero wakes a component from zero copies)",
                "the component never reaches zero copies, so nothing would wake it",
            )
        ]
    return []
