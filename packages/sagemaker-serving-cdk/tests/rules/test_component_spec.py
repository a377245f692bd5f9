"""rules.component_spec: an inference component's name, compute, copies, timeouts and copy scaling."""

import pytest

from sagemaker_serving_cdk.rules.component_spec import (
    component_model_problems,
    component_name_problems,
    compute_requirement_problems,
    copy_count_problems,
    copy_scaling_problems,
    scale_from_zero_problems,
    startup_timeout_problems,
)


def test_accepts_sound_components():
    assert component_name_problems("staging-churn-v2") == []
    assert compute_requirement_problems(cpu_cores=0.25, memory_mb=128, max_memory_mb=128, accelerators=1) == []
    assert copy_count_problems(0) == []
    assert startup_timeout_problems(None, field="t") == startup_timeout_problems(60, field="t") == []
    assert copy_scaling_problems(min_capacity=0, max_capacity=1, copy_count=1) == []
    assert scale_from_zero_problems(0) == []


@pytest.mark.parametrize("name", ["", "-churn", "churn-", "churn_v2", "c" * 64])
def test_fails_on_a_bad_component_name(name):
    assert [p.field for p in component_name_problems(name)] == ["component_name"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"cpu_cores": 0.2}, "compute.cpu_cores"),
        ({"memory_mb": 127}, "compute.memory_mb"),
        ({"max_memory_mb": 1000}, "compute.max_memory_mb"),
        ({"accelerators": 0}, "compute.accelerators"),
    ],
)
def test_fails_on_bad_compute(change, field):
    args = {"cpu_cores": 1.0, "memory_mb": 2048, **change}
    assert [p.field for p in compute_requirement_problems(**args)] == [field]


def test_fails_on_negative_copies_and_out_of_range_timeouts():
    assert copy_count_problems(-1)[0].allowed == ">= 0"
    assert startup_timeout_problems(59, field="startup_health_check_timeout")[0].value == 59
    assert startup_timeout_problems(3601, field="model_data_download_timeout")[0].allowed == "60-3600 seconds"


@pytest.mark.parametrize(
    "bounds, field",
    [
        ({"min_capacity": -1, "max_capacity": 2, "copy_count": 1}, "copy_scaling.min_capacity"),
        ({"min_capacity": 0, "max_capacity": 0, "copy_count": 0}, "copy_scaling.max_capacity"),
        ({"min_capacity": 3, "max_capacity": 2, "copy_count": 2}, "copy_scaling.min_capacity"),
        ({"min_capacity": 1, "max_capacity": 2, "copy_count": 0}, "copy_count"),
    ],
)
def test_fails_on_bad_copy_scaling(bounds, field):
    assert [p.field for p in copy_scaling_problems(**bounds)] == [field]


def test_fails_waking_from_zero_what_never_reaches_zero():
    assert scale_from_zero_problems(1)[0].value == 1


def test_fails_on_a_name_too_long_and_says_how_long():
    (problem,) = component_name_problems("a" * 64)
    assert "(64 characters)" in problem.message
    assert component_name_problems("a" * 63) == []


def test_fails_on_one_requirement_given_alone():
    # Config judges each field on its own; the other requirements are then not given.
    assert [p.field for p in compute_requirement_problems(cpu_cores=0.1, field="")] == ["cpu_cores"]
    assert [p.field for p in compute_requirement_problems(memory_mb=64, field="")] == ["memory_mb"]
    assert compute_requirement_problems(accelerators=2) == []
    assert [p.field for p in copy_scaling_problems(min_capacity=3, max_capacity=2, field="")] == ["min_capacity"]


def test_fails_on_a_multi_model_component():
    (problem,) = component_model_problems(multi_model=True)
    assert (problem.field, problem.allowed) == ("model", "a single-model model")
    assert component_model_problems(multi_model=False) == []
