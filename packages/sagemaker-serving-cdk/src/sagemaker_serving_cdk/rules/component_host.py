"""An endpoint config that hosts inference components: one variant with no model, sized by managed instance
scaling, and nothing else on the endpoint.

From the API references: CreateEndpointConfig ProductionVariant (no ModelName when inference components carry
the models; ManagedInstanceScaling MinInstanceCount >= 0, MaxInstanceCount >= 1, ScaleInPolicy
CooldownInMinutes 5-1440) and the inference-component guide (real-time instance variants only: no serverless,
async or shadow variants beside it). An endpoint scales to zero instances only with managed instance scaling at
MinInstanceCount 0 and inference components ("Scale an endpoint to zero instances", its prerequisites).
"""

from __future__ import annotations

from collections.abc import Sequence

from sagemaker_serving_cdk.rules.bounds import bounds_problems
from sagemaker_serving_cdk.rules.instances import instance_type_problems
from sagemaker_serving_cdk.rules.problems import Problem, at

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
    """The host variant itself: a known instance type, no model, 0 <= min <= initial <= max, max >= 1."""
    problems = instance_type_problems(instance_type, "real-time", field=at(field, "instance_type"))
    if has_model:
        problems.append(
            Problem(
                at(field, "model"), "set", "no model", "on a component host the inference components carry the models"
            )
        )
    problems += managed_scaling_problems(
        min_instance_count=min_instance_count,
        max_instance_count=max_instance_count,
        initial_instance_count=initial_instance_count,
        field=field,
    )
    if scale_in_strategy is not None and scale_in_strategy not in SCALE_IN_STRATEGIES:
        problems.append(
            Problem(
                at(field, "scale_in_policy.strategy"),
                scale_in_strategy,
                " or ".join(SCALE_IN_STRATEGIES),
                "not a scale-in strategy",
            )
        )
    low, high = SCALE_IN_COOLDOWN_MINUTES
    if scale_in_cooldown_minutes is not None and not low <= scale_in_cooldown_minutes <= high:
        problems.append(
            Problem(
                at(field, "scale_in_policy.cooldown"),
                scale_in_cooldown_minutes,
                f"{low}-{high} minutes",
                "out of range",
            )
        )
    if scale_in_maximum_step_size is not None and scale_in_maximum_step_size < 1:
        problems.append(
            Problem(at(field, "scale_in_policy.maximum_step_size"), scale_in_maximum_step_size, ">= 1", "out of range")
        )
    return problems


def managed_scaling_problems(
    *,
    min_instance_count: int,
    max_instance_count: int,
    initial_instance_count: int | None = None,
    field: str = "component_host",
) -> list[Problem]:
    """Managed instance scaling's bounds, and the initial count within them (None: not checked)."""
    return bounds_problems(
        min_instance_count,
        max_instance_count,
        initial_instance_count,
        min_field=at(field, "min_instance_count"),
        max_field=at(field, "max_instance_count"),
        start_field=at(field, "initial_instance_count"),
        counted="instances",
        starts="the host",
    )


def scale_to_zero_problems(
    components_to_zero: Sequence[str], min_instance_count: int | None, *, field: str = "component_host"
) -> list[Problem]:
    """Components that scale to zero copies (copy-count min 0) and the host's managed scaling floor agree, so that
    scaling to zero saves the instances. Not enforced by the constructs (SageMaker accepts either alone); an app
    that promises scale to zero calls it.

    Copies at zero free the instances only when managed scaling may release every instance (MinInstanceCount 0;
    None: no managed scaling); a floor of 0 with no component that can reach zero copies is never reached. The
    endpoint reaches zero instances only when every component is at zero copies.
    """
    floor_field = at(field, "managed_scaling.min_instance_count")
    if components_to_zero and min_instance_count != 0:
        return [
            Problem(
                floor_field,
                "no managed scaling" if min_instance_count is None else min_instance_count,
                f"0, since components {sorted(components_to_zero)} scale to zero copies",
                "components at zero copies free no instance unless managed scaling may release every instance",
            )
        ]
    if min_instance_count == 0 and not components_to_zero:
        return [
            Problem(
                floor_field,
                0,
                ">= 1, or a component that scales to zero copies (copy-count minimum 0)",
                "no component scales to zero copies, so the endpoint can never release its last instance",
            )
        ]
    return []


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
