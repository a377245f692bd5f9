"""rules.naming: endpoint-name prefixes and inference-component names."""

import pytest

from sagemaker_serving_cdk.rules.naming import endpoint_name_prefix_problems, inference_component_name


def test_accepts_prefixes_of_endpoint_names():
    assert endpoint_name_prefix_problems("team-staging-") == endpoint_name_prefix_problems("a") == []


@pytest.mark.parametrize("prefix", ["", "-", "-team", "team_a-"])
def test_fails_on_a_prefix_no_endpoint_name_starts_with(prefix):
    assert [p.field for p in endpoint_name_prefix_problems(prefix)] == ["endpoint_name_prefix"]


def test_component_names_follow_the_endpoint_names():
    assert inference_component_name("mlinf-staging", "shared", "churn") == "mlinf-staging-shared-churn"
