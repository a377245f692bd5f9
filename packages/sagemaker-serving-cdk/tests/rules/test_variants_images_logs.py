"""rules.variants (serverless), rules.images (ECR reference), rules.logs (retention periods)."""

import pytest

from sagemaker_serving_cdk.rules.images import ecr_reference_problems
from sagemaker_serving_cdk.rules.logs import RETENTION_PERIODS_DAYS, log_retention_problems, retention_member
from sagemaker_serving_cdk.rules.variants import serverless_problems


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
