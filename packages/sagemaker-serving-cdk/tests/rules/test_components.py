"""The inference-component fit rule, against the generated instance specs."""

import pytest

from sagemaker_serving_cdk._data.instance_specs import UNLISTED
from sagemaker_serving_cdk.rules.components import ComputeDemand, component_fit_problems
from sagemaker_serving_cdk.rules.instances import instance_spec, vcpu_count


def fields(problems):
    return [p.field for p in problems]


def test_two_components_that_share_one_instance_fit():
    demands = [ComputeDemand("a", 2, 6144), ComputeDemand("b", 2, 6144)]
    assert component_fit_problems("ml.m5.xlarge", demands, max_instance_count=1) == []


def test_fails_when_one_copy_needs_more_cores_than_the_instance_has():
    problems = component_fit_problems("ml.m5.large", [ComputeDemand("a", 3, 1024)], max_instance_count=4)
    assert [str(p) for p in problems] == [
        "components.a.cpu_cores = 3: one copy runs on one instance; allowed: at most 2 (the vCPUs of one ml.m5.large)"
    ]


def test_fails_when_one_copy_needs_more_memory_than_the_instance_has():
    problems = component_fit_problems("ml.m5.large", [ComputeDemand("a", 1, 8193)], max_instance_count=4)
    assert fields(problems) == ["components.a.memory_mb"] and "headroom" in problems[0].allowed


def test_fails_when_asking_accelerators_of_a_cpu_instance():
    problems = component_fit_problems(
        "ml.m5.xlarge", [ComputeDemand("a", 1, 1024, accelerators=1)], max_instance_count=1
    )
    assert fields(problems) == ["components.a.accelerators"] and problems[0].allowed == "none on this type"


def test_fails_when_asking_more_gpus_than_the_instance_has():
    problems = component_fit_problems(
        "ml.g4dn.xlarge", [ComputeDemand("a", 1, 1024, accelerators=2)], max_instance_count=1
    )
    assert fields(problems) == ["components.a.accelerators"]


def test_accelerators_on_an_ml_asic_are_not_checked_because_the_source_has_no_count():
    assert instance_spec("ml.inf2.xlarge").gpus is None
    assert (
        component_fit_problems("ml.inf2.xlarge", [ComputeDemand("a", 1, 1024, accelerators=1)], max_instance_count=1)
        == []
    )


def test_fails_when_the_copies_outgrow_the_maximum_instances():
    demands = [ComputeDemand("a", 2, 4096, min_copies=2), ComputeDemand("b", 2, 4096, min_copies=1)]
    problems = component_fit_problems("ml.m5.xlarge", demands, max_instance_count=1)
    assert [str(p) for p in problems] == [
        "components.*.cpu_cores = 6: the copies that must run at once need more than the endpoint's maximum "
        "instances offer; allowed: at most 4 vCPUs (1 x ml.m5.xlarge): fewer copies, smaller components, or a "
        "higher max_instance_count"
    ]
    assert component_fit_problems("ml.m5.xlarge", demands, max_instance_count=2) == []


def test_fails_on_a_type_the_spec_table_does_not_list():
    problems = component_fit_problems(UNLISTED[0], [ComputeDemand("a", 1, 1024)], max_instance_count=1)
    assert fields(problems) == ["instance_type"] and problems[0].value == UNLISTED[0]


def test_vcpu_count_comes_from_the_table():
    assert vcpu_count("ml.c5.9xlarge") == 36


def test_fails_to_count_vcpus_of_an_unlisted_type():
    with pytest.raises(ValueError, match=r"no vCPU count for 'ml\.m5\.metal'"):
        vcpu_count("ml.m5.metal")
