"""rules.variants (serverless), rules.images (ECR reference), rules.logs (retention periods)."""

import pytest

from sagemaker_serving_cdk.rules.images import ecr_reference_problems
from sagemaker_serving_cdk.rules.logs import RETENTION_PERIODS_DAYS, log_retention_problems, retention_member
from sagemaker_serving_cdk.rules.variants import (
    endpoint_variant_problems,
    serverless_capacity_problems,
    serverless_problems,
)


@pytest.mark.parametrize(
    "kwargs, field, allowed",
    [
        ({"multi_model": True}, "models.m.multi_model_prefix", "a single-model model"),
        ({"network_isolation": True}, "models.m.network_isolation", "False"),
        ({"in_vpc": True}, "models.m.vpc", "no vpc"),
        ({"autoscaling": True}, "autoscaling", "max_concurrency (and provisioned_concurrency)"),
    ],
)
def test_fails_on_what_serverless_cannot_do(kwargs, field, allowed):
    [problem] = serverless_problems(model="models.m", **kwargs)
    assert (problem.field, problem.allowed) == (field, allowed)
    assert serverless_problems(model="models.m") == []


@pytest.mark.parametrize("tag, digest", [(None, None), ("v1", "sha256:" + "0" * 64)])
def test_fails_without_exactly_one_ecr_reference(tag, digest):
    [problem] = ecr_reference_problems(tag, digest)
    assert problem.value == {"tag": tag, "digest": digest} and "exactly one of tag or digest" in problem.allowed
    assert ecr_reference_problems("v1", None) == []


def test_fails_on_a_retention_period_logs_do_not_offer():
    [problem] = log_retention_problems(42)
    assert (problem.field, problem.value) == ("log_retention_days", 42) and "365" in problem.allowed
    assert 9999 not in RETENTION_PERIODS_DAYS and retention_member(365) == "ONE_YEAR"
    with pytest.raises(ValueError, match="log_retention_days = 42"):
        retention_member(42)


def test_accepts_sound_variant_combinations_and_serverless_capacity():
    assert endpoint_variant_problems(variant_names=["a", "b"], shadow_variant_names=["s"]) == []
    assert endpoint_variant_problems(variant_names=[], serverless_name="AllTraffic") == []
    assert serverless_capacity_problems(memory_size_mb=6144, max_concurrency=200, provisioned_concurrency=200) == []


@pytest.mark.parametrize(
    "kwargs, field, value",
    [
        ({"variant_names": [f"v{i}" for i in range(11)]}, "variants", 11),
        ({"variant_names": ["a"], "shadow_variant_names": ["a"]}, "variant names", ["a"]),
        ({"variant_names": [], "shadow_variant_names": ["s"], "serverless_name": "x"}, "shadow_variants", ["s"]),
        ({"variant_names": ["a"], "serverless_name": "x"}, "variants", ["a"]),
        ({"variant_names": [], "serverless_name": "x", "async_inference": True}, "async_inference", True),
        ({"variant_names": ["a"], "shadow_variant_names": ["s"], "async_inference": True}, "shadow_variants", ["s"]),
    ],
)
def test_fails_on_variants_an_endpoint_config_cannot_combine(kwargs, field, value):
    [problem] = endpoint_variant_problems(**kwargs)
    assert (problem.field, problem.value) == (field, value)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"memory_size_mb": 1500}, "serverless.memory_size_mb"),
        ({"memory_size_mb": 7168}, "serverless.memory_size_mb"),
        ({"max_concurrency": 0}, "serverless.max_concurrency"),
        ({"max_concurrency": 201}, "serverless.max_concurrency"),
        ({"provisioned_concurrency": 0}, "serverless.provisioned_concurrency"),
        ({"max_concurrency": 5, "provisioned_concurrency": 6}, "serverless.provisioned_concurrency"),
    ],
)
def test_fails_on_serverless_capacity_sagemaker_rejects(kwargs, field):
    # ProductionVariantServerlessConfig: MemorySizeInMB 1024-6144 in 1 GB steps, concurrency 1-200, provisioned <= max.
    [problem] = serverless_capacity_problems(**kwargs)
    assert problem.field == field
