"""rules.scaling: instance-variant autoscaling and its scheduled actions."""

import pytest

from sagemaker_serving_cdk.rules.scaling import instance_scaling_problems, scheduled_scaling_problems

OK = {
    "instance_type": "ml.m5.large",
    "initial_count": 1,
    "min_capacity": 1,
    "max_capacity": 2,
    "is_async": False,
    "uses_invocation_target": False,
    "backlog_target": None,
}


def test_accepts_a_sound_variant():
    assert instance_scaling_problems(**OK) == []
    assert instance_scaling_problems(**{**OK, "is_async": True, "min_capacity": 0, "backlog_target": 5.0}) == []


@pytest.mark.parametrize(
    "change, field, value, allowed",
    [
        ({"min_capacity": 3, "max_capacity": 2, "initial_count": 3}, "min_capacity", 3, "<= max_capacity (2)"),
        ({"initial_count": 5}, "initial_instance_count", 5, "min_capacity (1) to max_capacity (2)"),
        ({"instance_type": "ml.t2.medium"}, "instance_type", "ml.t2.medium", "a non-burstable type"),
        (
            {"is_async": True, "uses_invocation_target": True},
            "target_invocations_per_instance",
            "set",
            "backlog_target_per_instance",
        ),
        ({"backlog_target": 5.0}, "backlog_target_per_instance", 5.0, "target_invocations_per_instance"),
        ({"min_capacity": 0}, "min_capacity", 0, ">= 1 (0 only on async endpoints)"),
    ],
)
def test_fails_on_unsound_scaling(change, field, value, allowed):
    [problem] = instance_scaling_problems(**{**OK, **change})
    assert (problem.field, problem.value) == (field, value) and allowed in problem.allowed


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"schedule": "cron(0 8 * * MON-FRI)", "min_capacity": 2, "max_capacity": None}, "schedule"),
        ({"schedule": "rate(1 day)", "min_capacity": None, "max_capacity": None}, "min_capacity"),
        ({"schedule": "rate(1 day)", "min_capacity": 3, "max_capacity": 2}, "min_capacity"),
    ],
)
def test_fails_on_bad_scheduled_action(kwargs, field):
    [problem] = scheduled_scaling_problems(**kwargs)
    assert problem.field == field
