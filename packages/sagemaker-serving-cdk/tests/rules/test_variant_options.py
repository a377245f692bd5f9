"""rules.variant_options: routing, AMI versions, SSM access."""

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
