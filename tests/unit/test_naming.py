"""name_in_stack: the same physical name whoever deploys the stage (workstation or pipeline)."""

from __future__ import annotations

from aws_cdk import App, Stack, Stage
from constructs import Construct

from ml_constructs.naming import name_in_stack


def named(stage_scope) -> str:
    stack = Stack(Stage(stage_scope, "Dev"), "Serving")
    return name_in_stack(Construct(Construct(stack, "Endpoint"), "Scaling"), "Tracking")


def test_name_is_stack_name_path_in_stack_and_suffix():
    assert named(App()) == "Dev-Serving-Endpoint-Scaling-Tracking"


def test_name_does_not_depend_on_what_contains_the_stage():
    pipeline_stack = Stack(App(), "Pipeline")
    assert named(pipeline_stack) == named(App())


def test_path_in_stage_reads_the_same_under_a_pipeline():
    from ml_constructs.naming import path_in_stage

    def endpoint(stage_scope):
        return Construct(Stack(Stage(stage_scope, "Dev"), "Serving"), "Endpoint")

    assert path_in_stage(endpoint(App())) == "Dev/Serving/Endpoint"
    assert path_in_stage(endpoint(Stack(App(), "Pipeline"))) == "Dev/Serving/Endpoint"
