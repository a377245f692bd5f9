"""rules.variant_options and rules.naming's prefix rule: routing, AMI versions, SSM access, name prefixes."""

import pytest

from sagemaker_serving_cdk.rules.naming import endpoint_name_prefix_problems
from sagemaker_serving_cdk.rules.variant_options import (
    INFERENCE_AMI_VERSIONS,
    ssm_access_problems,
    variant_option_problems,
)


def test_accepts_known_values():
    assert (
        variant_option_problems(routing="LEAST_OUTSTANDING_REQUESTS", inference_ami_version=INFERENCE_AMI_VERSIONS[0])
        == []
    )
    assert variant_option_problems() == []
    assert ssm_access_problems(True, production=False) == ssm_access_problems(None, production=True) == []
    assert endpoint_name_prefix_problems("team-staging-") == endpoint_name_prefix_problems("a") == []


def test_fails_on_unknown_routing_and_ami_version():
    problems = variant_option_problems(routing="PREFIX_AWARE", inference_ami_version="al2-gpu-9", field="variant 'a'")
    assert [(p.field, p.value) for p in problems] == [
        ("variant 'a'.routing", "PREFIX_AWARE"),
        ("variant 'a'.inference_ami_version", "al2-gpu-9"),
    ]
    assert "al2-ami-sagemaker-inference-gpu-2-1" in problems[1].allowed


def test_fails_on_ssm_access_in_production():
    (problem,) = ssm_access_problems(True, production=True, field="serving.endpoints.llm.enable_ssm_access")
    assert problem.field == "serving.endpoints.llm.enable_ssm_access"


@pytest.mark.parametrize("prefix", ["", "-", "-team", "team_a-"])
def test_fails_on_a_prefix_no_endpoint_name_starts_with(prefix):
    assert [p.field for p in endpoint_name_prefix_problems(prefix)] == ["endpoint_name_prefix"]
