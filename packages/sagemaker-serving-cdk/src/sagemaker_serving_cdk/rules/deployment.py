"""How an endpoint or inference component is updated: blue/green traffic shifting, rolling updates, and the
alarms they roll back on.

Limits from the API references: `DeploymentConfig` of CreateEndpoint/UpdateEndpoint (BlueGreenUpdatePolicy,
RollingUpdatePolicy, CapacitySize) and of CreateInferenceComponent (InferenceComponentRollingUpdatePolicy,
InferenceComponentCapacitySize); `AutoRollbackConfiguration.Alarms` holds 1-10 alarms. A rolling update's
MaximumBatchSize "must be between 5% to 50%" of the instances (RollingUpdatePolicy) or copies
(InferenceComponentRollingUpdatePolicy); its RollbackMaximumBatchSize, like any CapacitySize, takes 1-100 percent
(100, the default, rolls everything back at once). Rolling deployments exclude endpoints with more than one
variant (shadow variants included) and serverless endpoints ("Exclusions" of deployment guardrails). Blue/green
traffic routing (TrafficRoutingConfig): CanarySize "less than or equal to 50%", LinearStepSize "10-50%" of the
variant's instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sagemaker_serving_cdk.rules.problems import Problem, at

Target = Literal["endpoint", "component"]
# An endpoint's fleet is counted in instances, a component's in copies.
SIZE_TYPES: dict[Target, tuple[str, str]] = {
    "endpoint": ("INSTANCE_COUNT", "CAPACITY_PERCENT"),
    "component": ("COPY_COUNT", "CAPACITY_PERCENT"),
}
COUNTED_IN: dict[Target, str] = {
    "endpoint": "an endpoint's capacity is counted in instances",
    "component": "a component's capacity is counted in copies",
}
TRAFFIC_ROUTINGS = ("ALL_AT_ONCE", "CANARY", "LINEAR")
WAIT_INTERVAL_SECONDS = (0, 3600)
MAXIMUM_EXECUTION_TIMEOUT_SECONDS = (600, 28800)
CAPACITY_PERCENT = (1, 100)
ROLLING_BATCH_PERCENT = (5, 50)
STEP_PERCENT = {"CANARY": (1, 50), "LINEAR": (10, 50)}
MAX_ROLLBACK_ALARMS = 10


def capacity_size_problems(
    size_type: str,
    value: int,
    *,
    field: str,
    target: Target = "endpoint",
    serverless: bool = False,
    value_field: str | None = None,
    percent: tuple[int, int] = CAPACITY_PERCENT,
) -> list[Problem]:
    """One `CapacitySize`: a type the target counts in, a percentage within `percent` (1-100 unless the policy
    narrows it) or a count of at least 1.

    Fields are reported as `<field>.type` and `<field>.value` (or `value_field` where config names it apart).
    """
    value_field = value_field or at(field, "value")
    allowed_types = SIZE_TYPES[target]
    if size_type not in allowed_types:
        return [
            Problem(
                at(field, "type"),
                size_type,
                " or ".join(allowed_types),
                f"{COUNTED_IN[target]} or percent",
            )
        ]
    if serverless and size_type == "INSTANCE_COUNT":
        return [
            Problem(at(field, "type"), size_type, "CAPACITY_PERCENT", "a serverless endpoint has no instances to count")
        ]
    low, high = percent
    if size_type == "CAPACITY_PERCENT" and not low <= value <= high:
        return [Problem(value_field, value, f"{low}-{high}", "a percentage of the fleet")]
    if size_type != "CAPACITY_PERCENT" and value < 1:
        return [Problem(value_field, value, ">= 1", f"a batch moves at least one {size_type.split('_')[0].lower()}")]
    return []


def traffic_routing_problems(
    routing: str,
    size_type: str | None,
    size_value: int | None,
    *,
    serverless: bool = False,
    field: str = "traffic_routing",
    size_field: str = "size",
    value_field: str | None = None,
) -> list[Problem]:
    """Blue/green traffic routing: CANARY and LINEAR shift a size at a time, ALL_AT_ONCE takes none."""
    value_field = value_field or f"{size_field}.value"
    if routing not in TRAFFIC_ROUTINGS:
        return [Problem(field, routing, ", ".join(TRAFFIC_ROUTINGS), "not a traffic routing type")]
    stepped = routing != "ALL_AT_ONCE"
    if stepped and size_value is None:
        return [
            Problem(value_field, None, "a canary size or linear step", f"traffic routing {routing} shifts in steps")
        ]
    if not stepped and size_value is not None:
        return [Problem(value_field, size_value, "no size", "traffic routing ALL_AT_ONCE shifts everything at once")]
    if size_value is None:
        return []
    return capacity_size_problems(
        size_type or "CAPACITY_PERCENT",
        size_value,
        field=size_field,
        serverless=serverless,
        value_field=value_field,
        percent=STEP_PERCENT[routing],
    )


def rolling_update_problems(
    *,
    batch_type: str,
    batch_value: int,
    wait_seconds: int,
    maximum_execution_timeout_seconds: int | None = None,
    rollback_type: str | None = None,
    rollback_value: int | None = None,
    target: Target = "endpoint",
    serverless: bool = False,
    variant_names: Sequence[str] = (),
    field: str = "deployment",
) -> list[Problem]:
    """A rolling update: the batch and rollback batch sizes, the wait between batches and the overall timeout, on
    an endpoint of one instance variant (`variant_names`: its production and shadow variants)."""
    if serverless:
        return [
            Problem(
                field,
                "rolling update",
                "blue/green (BlueGreenDeployment)",
                "a serverless endpoint has no instances to update in batches",
            )
        ]
    problems: list[Problem] = []
    if len(variant_names) > 1:
        problems.append(
            Problem(
                field,
                list(variant_names),
                "an endpoint with one variant, or blue/green (traffic routing) for several",
                "rolling deployments exclude endpoints with more than one variant",
            )
        )
    problems += capacity_size_problems(
        batch_type, batch_value, field=at(field, "maximum_batch_size"), target=target, percent=ROLLING_BATCH_PERCENT
    )
    if rollback_type is not None and rollback_value is not None:
        problems += capacity_size_problems(
            rollback_type, rollback_value, field=at(field, "rollback_maximum_batch_size"), target=target
        )
    problems += timing_problems(wait_seconds, maximum_execution_timeout_seconds, field=field)
    return problems


def timing_problems(
    wait_seconds: int | None,
    maximum_execution_timeout_seconds: int | None = None,
    termination_wait_seconds: int | None = None,
    *,
    field: str = "deployment",
) -> list[Problem]:
    """The waits of any update policy: between steps and (blue/green) before the old fleet goes, and the
    overall timeout. None: not set (SageMaker's default)."""
    problems = []
    low, high = WAIT_INTERVAL_SECONDS
    for name, seconds in (("wait_interval", wait_seconds), ("termination_wait", termination_wait_seconds)):
        if seconds is not None and not low <= seconds <= high:
            problems.append(Problem(at(field, name), seconds, f"{low}-{high} seconds", "out of range"))
    timeout = maximum_execution_timeout_seconds
    low, high = MAXIMUM_EXECUTION_TIMEOUT_SECONDS
    if timeout is not None and not low <= timeout <= high:
        problems.append(
            Problem(at(field, "maximum_execution_timeout"), timeout, f"{low}-{high} seconds", "out of range")
        )
    return problems


def rollback_alarm_problems(
    alarm_count: int, *, auto_rollback: bool, has_deployment: bool = True, field: str = "rollback_alarms"
) -> list[Problem]:
    """Auto-rollback watches 1-10 alarms: none means it can never roll back; alarms without a deployment that
    rolls back on them watch nothing."""
    if not has_deployment:
        if alarm_count:
            return [
                Problem(
                    field,
                    alarm_count,
                    "a deployment (RollingDeployment) to roll back",
                    "the alarms would guard nothing",
                )
            ]
        return []
    if not auto_rollback:
        return []
    if alarm_count == 0:
        return [
            Problem(
                field,
                0,
                f"1-{MAX_ROLLBACK_ALARMS} alarms, or auto_rollback=False",
                "auto_rollback rolls back on alarms and has none",
            )
        ]
    if alarm_count > MAX_ROLLBACK_ALARMS:
        return [Problem(field, alarm_count, f"1-{MAX_ROLLBACK_ALARMS} alarms", "AutoRollbackConfiguration limit")]
    return []
