"""Autoscaling of an instance variant (Application Auto Scaling, `sagemaker:variant:DesiredInstanceCount`).

Real-time variants track InvocationsPerInstance and cannot go below 1 instance; async endpoints publish no
Invocations, track their backlog and may scale to 0 (ARCHITECTURE 6.11); burstable types are rejected (6.12).
"""

from __future__ import annotations

from sagemaker_serving_cdk.rules.bounds import bounds_problems
from sagemaker_serving_cdk.rules.instances import is_burstable
from sagemaker_serving_cdk.rules.problems import Problem
from sagemaker_serving_cdk.rules.schedules import schedule_problems


def instance_scaling_problems(
    *,
    instance_type: str,
    initial_count: int,
    min_capacity: int,
    max_capacity: int,
    is_async: bool,
    uses_invocation_target: bool,
    backlog_target: float | None,
) -> list[Problem]:
    problems = bounds_problems(
        min_capacity,
        max_capacity,
        initial_count,
        min_field="min_capacity",
        max_field="max_capacity",
        start_field="initial_instance_count",
        counted="instances",
        starts="the variant",
    )
    if is_burstable(instance_type):
        problems.append(
            Problem(
                "instance_type",
                instance_type,
                "a non-burstable type, e.g. ml.m5.large",
                "Application Auto Scaling rejects burstable instance types; or drop autoscaling",
            )
        )
    if is_async and uses_invocation_target:
        problems.append(
            Problem(
                "target_invocations_per_instance",
                "set",
                "backlog_target_per_instance",
                "async endpoints publish no InvocationsPerInstance",
            )
        )
    if not is_async and backlog_target is not None:
        problems.append(
            Problem(
                "backlog_target_per_instance",
                backlog_target,
                "target_invocations_per_instance or max_requests_per_second",
                "the backlog target is for async endpoints only",
            )
        )
    if not is_async and min_capacity == 0:
        problems.append(
            Problem("min_capacity", 0, ">= 1 (0 only on async endpoints)", "real-time variants cannot scale to zero")
        )
    return problems


def capacity_bounds_problems(min_capacity: int | None, max_capacity: int | None) -> list[Problem]:
    if min_capacity is not None and max_capacity is not None and min_capacity > max_capacity:
        return [
            Problem("min_capacity", min_capacity, f"<= max_capacity ({max_capacity})", "the floor is above the ceiling")
        ]
    return []


def scheduled_scaling_problems(*, schedule: str, min_capacity: int | None, max_capacity: int | None) -> list[Problem]:
    """One scheduled action: a strict cron/rate/at expression and at least one bound."""
    problems = schedule_problems(schedule, field="schedule")
    if min_capacity is None and max_capacity is None:
        problems.append(
            Problem(
                "min_capacity",
                None,
                "min_capacity, max_capacity or both",
                "a scheduled action changes at least one bound",
            )
        )
    problems.extend(capacity_bounds_problems(min_capacity, max_capacity))
    return problems
