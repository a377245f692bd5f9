"""rules.instances: the types SageMaker's API accepts, instance storage, burstable types."""

import pytest

from sagemaker_serving_cdk.rules.instances import (
    INSTANCE_TYPES,
    has_instance_storage,
    instance_type_problems,
    is_burstable,
    volume_key_problems,
)


@pytest.mark.parametrize("use", ["real-time", "transform"])
def test_every_generated_type_is_accepted(use):
    assert all(instance_type_problems(t, use) == [] for t in INSTANCE_TYPES[use])


@pytest.mark.parametrize(
    "value, use, message, allowed",
    [
        (
            "ml.m5.huge",
            "real-time",
            "CreateEndpointConfig offers no such size of m5",
            "m5 sizes for real-time: 12xlarge",
        ),
        ("ml.m5.3xlarge", "real-time", "CreateEndpointConfig offers no such size of m5", "large, xlarge"),
        ("ml.x9.large", "real-time", "not a SageMaker instance type for real-time", "family one of c4,"),
        ("m5.large", "transform", "not a SageMaker instance type for transform", "ml.<family>.<size>"),
        ("ml.c5d.xlarge", "transform", "not a SageMaker instance type for transform", "family one of c4,"),
        ("ml.t2.medium", "transform", "not a SageMaker instance type for transform", "family one of c4,"),
    ],
)
def test_fails_on_unknown_instance_type(value, use, message, allowed):
    [problem] = instance_type_problems(value, use, field="variants.0.instance_type")
    assert (problem.field, problem.value) == ("variants.0.instance_type", value)
    assert message in problem.message and allowed in problem.allowed


@pytest.mark.parametrize(
    "instance_type, local",
    [
        ("ml.m5.large", False),
        ("ml.c5.xlarge", False),
        ("ml.g7.2xlarge", False),
        ("ml.m5d.large", True),
        ("ml.c6gd.large", True),
        ("ml.r7gd.large", True),
        ("ml.g4dn.xlarge", True),
        ("ml.g5.xlarge", True),
        ("ml.p4d.24xlarge", True),
        ("ml.p4de.24xlarge", True),
        ("ml.trn1.2xlarge", True),
        # the misses of the old heuristic (issue 14): EC2 lists NVMe instance store for these
        ("ml.dl1.24xlarge", True),
        ("ml.p6-b200.48xlarge", True),
        ("ml.p6e-gb200.36xlarge", True),
    ],
)
def test_instance_storage(instance_type, local):
    assert has_instance_storage(instance_type) is local


def test_fails_on_a_volume_setting_with_nvme_storage():
    [problem] = volume_key_problems("ml.g5.xlarge", field="volume_size_gb", value=30, fix="an EBS-backed type")
    assert (problem.field, problem.value, problem.allowed) == ("volume_size_gb", 30, "an EBS-backed type")
    assert volume_key_problems("ml.m5.large", field="volume_size_gb", value=30, fix="x") == []


def test_burstable():
    assert is_burstable("ml.t2.medium") and not is_burstable("ml.m5.large")
