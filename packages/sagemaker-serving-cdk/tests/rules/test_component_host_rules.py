"""rules.component_host: the host variant of inference components, and what it cannot be mixed with."""

import pytest

from sagemaker_serving_cdk.rules.component_host import (
    component_host_mix_problems,
    component_host_problems,
    managed_scaling_problems,
    scale_to_zero_problems,
)

OK = {"instance_type": "ml.g5.2xlarge", "initial_instance_count": 1, "min_instance_count": 0, "max_instance_count": 2}


def test_accepts_a_sound_host():
    assert component_host_problems(**OK) == []
    assert component_host_problems(**OK, scale_in_strategy="CONSOLIDATION", scale_in_cooldown_minutes=5) == []
    assert component_host_mix_problems() == []


@pytest.mark.parametrize(
    "change, field, value",
    [
        ({"instance_type": "ml.m5.3xlarge"}, "component_host.instance_type", "ml.m5.3xlarge"),
        ({"has_model": True}, "component_host.model", "set"),
        ({"min_instance_count": -1}, "component_host.min_instance_count", -1),
        ({"initial_instance_count": 3}, "component_host.initial_instance_count", 3),
        ({"min_instance_count": 2, "initial_instance_count": 1}, "component_host.initial_instance_count", 1),
        ({"scale_in_strategy": "SHRINK"}, "component_host.scale_in_policy.strategy", "SHRINK"),
        ({"scale_in_cooldown_minutes": 4}, "component_host.scale_in_policy.cooldown", 4),
        ({"scale_in_cooldown_minutes": 1441}, "component_host.scale_in_policy.cooldown", 1441),
        ({"scale_in_maximum_step_size": 0}, "component_host.scale_in_policy.maximum_step_size", 0),
    ],
)
def test_fails_on_a_bad_host(change, field, value):
    (problem,) = component_host_problems(**{**OK, **change})
    assert (problem.field, problem.value) == (field, value)


def test_fails_on_a_host_that_never_has_an_instance():
    problems = component_host_problems(**{**OK, "initial_instance_count": 0, "max_instance_count": 0})
    assert [p.field for p in problems] == ["component_host.max_instance_count"]


@pytest.mark.parametrize(
    "mixed, field",
    [
        ({"other_variants": ["main"]}, "variants"),
        ({"serverless": True}, "serverless"),
        ({"async_inference": True}, "async_inference"),
        ({"shadow_variants": ["shadow"]}, "shadow_variants"),
    ],
)
def test_fails_on_anything_beside_the_host(mixed, field):
    (problem,) = component_host_mix_problems(**mixed)
    assert problem.field == field and "nothing beside component_host" in str(problem)


def test_fails_on_a_floor_above_the_ceiling():
    (problem,) = managed_scaling_problems(min_instance_count=3, max_instance_count=2, field="managed_scaling")
    assert (problem.field, problem.value, problem.allowed) == (
        "managed_scaling.min_instance_count",
        3,
        "<= max_instance_count (2)",
    )
    assert managed_scaling_problems(min_instance_count=0, max_instance_count=2) == []


@pytest.mark.parametrize(
    "to_zero, floor, value",
    [(["a"], 1, 1), (["a"], None, "no managed scaling"), ([], 0, 0)],
    ids=["copies-to-zero-on-a-floor-of-one", "copies-to-zero-without-managed-scaling", "floor-zero-nothing-reaches"],
)
def test_fails_when_scale_to_zero_and_the_floor_disagree(to_zero, floor, value):
    (problem,) = scale_to_zero_problems(to_zero, floor)
    assert (problem.field, problem.value) == ("component_host.managed_scaling.min_instance_count", value)


def test_accepts_scale_to_zero_that_can_happen():
    assert scale_to_zero_problems(["a"], 0) == scale_to_zero_problems([], 1) == scale_to_zero_problems([], None) == []
