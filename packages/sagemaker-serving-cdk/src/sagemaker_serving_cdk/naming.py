"""Physical names for the few resources that need one (alarms a rollback names, scaling policies)."""

from __future__ import annotations

from aws_cdk import Stack, Stage
from constructs import IConstruct


def name_in_stack(scope: IConstruct, *suffixes: str) -> str:
    """`<stack name>-<path within the stack>[-<suffix>...]`.

    Unique per account and region (stack names are), and the same whether the stage is deployed from a
    workstation (`Dev/Serving/...`) or by the pipeline (`Pipeline/Dev/Serving/...`), unlike names the CDK
    derives from the full construct path, which would replace the resource when the deployer changes.
    """
    stack = Stack.of(scope)
    path_in_stack = scope.node.path[len(stack.node.path) + 1 :].replace("/", "-")
    return "-".join(part for part in (stack.stack_name, path_in_stack, *suffixes) if part)


def path_in_stage(scope: IConstruct) -> str:
    """`Dev/Serving/RealtimeEndpoint`: the construct's path from its stage down, for human-readable text
    (alarm descriptions) that must read the same under `Pipeline/Dev/...`."""
    stage = Stage.of(scope)
    if stage is None or stage.node.path == "":
        return scope.node.path
    return f"{stage.node.id}/{scope.node.path[len(stage.node.path) + 1 :]}"
