"""An endpoint config that hosts inference components: one variant with no model, sized by managed instance
scaling, and nothing else on the endpoint.

From the API references: CreateEndpointConfig ProductionVariant (no ModelName when inference components carry
the models; ManagedInstanceScaling MinInstanceCount >= 0, MaxInstanceCount >= 1, ScaleInPolicy
CooldownInMinutes 5-1440) and the inference-component guide (real-time instance variants only: no serverless,
async or shadow variants beside it).
"""

from __future__ import annotations

from collections.abc import Sequence

from sagemaker_serving_cdk.rules.instances import instance_type_problems
from sagemaker_serving_cdk.rules.problems import Problem

SCALE_IN_COOLDOWN_MINUTES = (5, 1440)
SCALE_IN_STRATEGIES = ("IDLE_RELEASE", "CONSOLIDATION")


def component_host_problems(
    *,
    instance_type: str,
    initial_instance_count: int,
    min_instance_count: int,
    max_instance_count: int,
    has_model: bool = False,
    scale_in_strategy: str | None = None,
    scale_in_cooldown_minutes: int | None = None,
    scale_in_maximum_step_size: int | None = None,
    field: str = "component_host",
) -> list[Problem]:
    """The host variant itself: a known instance type, no model, min <= initial <= max."""
    problems = instance_type_problems(instance_type, "real-time", field=f"{field}.instance_type")
    if has_model:
        problems.append(
            Problem(
                f"{field}.model", "set", "no model", "on a component host the inference components carry the models"
            )
        )
    if min_instance_count < 0:
        problems.append(Problem(f"{field}.min_instance_count", min_instance_count, ">= 0", "a negative fleet"))
    if max_instance_count < 1:
        problems.append(Problem(f"{field}.max_instance_count", max_instance_count, ">= 1", "no instance ever"))
    if not min_instance_count <= initial_instance_count <= max_instance_count:
        problems.append(
            Problem(
                f"{field}.initial_instance_count",
                initial_instance_count,
                f"min_instance_count ({min_instance_count}) to max_instance_count ({max_instance_count})",
                "the host starts outside its managed scaling bounds",
            )
        )
    if scale_in_strategy is not None and scale_in_strategy not in SCALE_IN_STRATEGIES:
        problems.append(
            Problem(
                f"{field}.scale_in_policy.strategy",
                scale_in_strategy,
                " or ".join(SCALE_IN_STRATEGIES),
                "not a scale-in strategy",
            )
        )
    low, high = SCALE_IN_COOLDOWN_MINUTES
    if scale_in_cooldown_minutes is not None and not low <= scale_in_cooldown_minutes <= high:
        problems.append(
            Problem(
                f"{field}.scale_in_policy.cooldown", scale_in_cooldown_minutes, f"{low}-{high} minutes", "out of range"
            )
        )
    if scale_in_maximum_step_size is not None and scale_in_maximum_step_size < 1:
        problems.append(
            Problem(f"{field}.scale_in_policy.maximum_step_size", scale_in_maximum_step_size, ">= 1", "out of range")
        )
    return problems


def component_host_mix_problems(
    *,
    other_variants: Sequence[str] = (),
    serverless: bool = False,
    async_inference: bool = False,
    shadow_variants: Sequence[str] = (),
    field: str = "component_host",
) -> list[Problem]:
    """A component host is the endpoint's only variant, real-time."""
    mixed = [
        (name, value)
        for name, value in (
            ("variants", list(other_variants)),
            ("serverless", serverless),
            ("async_inference", async_inference),
            ("shadow_variants", list(shadow_variants)),
        )
        if value
    ]
    return [
        Problem(
            name,
            value,
            f"nothing beside {field}",
            "an endpoint that hosts inference components has one real-time variant and no model variants",
        )
        for name, value in mixed
    ]
