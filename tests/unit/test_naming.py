"""name_in_stack: the same physical name whoever deploys the stage (workstation or pipeline)."""

from __future__ import annotations

from aws_cdk import App, Stack, Stage
from constructs import Construct

import pytest

from sagemaker_serving_cdk.rules.naming import endpoint_name, endpoint_name_problem
from sagemaker_serving_cdk import name_in_stack


def named(stage_scope) -> str:
    stack = Stack(Stage(stage_scope, "Dev"), "Serving")
    return name_in_stack(Construct(Construct(stack, "Endpoint"), "Scaling"), "Tracking")


def test_name_is_stack_name_path_in_stack_and_suffix():
    assert named(App()) == "Dev-Serving-Endpoint-Scaling-Tracking"


def test_name_does_not_depend_on_what_contains_the_stage():
    pipeline_stack = Stack(App(), "Pipeline")
    assert named(pipeline_stack) == named(App())


def test_path_in_stage_reads_the_same_under_a_pipeline():
    from sagemaker_serving_cdk import path_in_stage

    def endpoint(stage_scope):
        return Construct(Stack(Stage(stage_scope, "Dev"), "Serving"), "Endpoint")

    assert path_in_stage(endpoint(App())) == "Dev/Serving/Endpoint"
    assert path_in_stage(endpoint(Stack(App(), "Pipeline"))) == "Dev/Serving/Endpoint"


def test_endpoint_names_are_the_prefix_and_the_config_name():
    assert endpoint_name("mlinf-prod", "realtime") == "mlinf-prod-realtime"
    assert endpoint_name_problem("mlinf-prod-realtime") is None
    assert endpoint_name_problem("a" * 63) is None
    assert endpoint_name_problem("a--b") is None  # SageMaker's pattern allows repeated hyphens


@pytest.mark.parametrize("name, message", [
    ("a" * 64, "has 64 characters; SageMaker allows at most 63"),
    ("-leading", "is not a SageMaker endpoint name"),
    ("trailing-", "is not a SageMaker endpoint name"),
    ("under_score", "is not a SageMaker endpoint name"),
    ("", "is not a SageMaker endpoint name"),
])
def test_fails_on_an_endpoint_name_sagemaker_rejects(name, message):
    assert message in endpoint_name_problem(name)
