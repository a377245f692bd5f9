"""Physical names for the few resources that need one (endpoints, alarms a rollback names, scaling policies)."""

from __future__ import annotations

import re

from aws_cdk import Stack, Stage
from constructs import IConstruct


def name_in_stack(scope: IConstruct, *suffixes: str) -> str:
    """`<stack name>-<path within the stack>[-<suffix>...]`.

    Unique per account and region (stack names are), and the same whether the stage is deployed from a
    workstation (`Dev/Serving/...`) or by the pipeline (`Pipeline/Dev/Serving/...`), unlike names the CDK
    derives from the full construct path, which would replace the resource when the deployer changes.
    """
    stack = Stack.of(scope)
    path_in_stack = scope.node.path[len(stack.node.path) + 1:].replace("/", "-")
    return "-".join(part for part in (stack.stack_name, path_in_stack, *suffixes) if part)


def path_in_stage(scope: IConstruct) -> str:
    """`Dev/Serving/RealtimeEndpoint`: the construct's path from its stage down, for human-readable text
    (alarm descriptions) that must read the same under `Pipeline/Dev/...`."""
    stage = Stage.of(scope)
    if stage is None or stage.node.path == "":
        return scope.node.path
    return f"{stage.node.id}/{scope.node.path[len(stage.node.path) + 1:]}"


# SageMaker's endpoint name rule (CreateEndpoint, EndpointName): 1-63 characters, alphanumerics and hyphens,
# starting and ending with an alphanumeric.
ENDPOINT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_ENDPOINT_NAME_LENGTH = 63


def endpoint_name(name_prefix: str, endpoint: str) -> str:
    """The stable physical name of an environment's endpoint: `<name_prefix>-<endpoint>` (guide section 4)."""
    return f"{name_prefix}-{endpoint}"


def endpoint_name_problem(name: str) -> str | None:
    """Why SageMaker would reject `name` as an endpoint name, or None when it is valid."""
    if len(name) > MAX_ENDPOINT_NAME_LENGTH:
        return f"{name!r} has {len(name)} characters; SageMaker allows at most {MAX_ENDPOINT_NAME_LENGTH}"
    if not ENDPOINT_NAME_PATTERN.match(name):
        return (f"{name!r} is not a SageMaker endpoint name: letters, digits and hyphens, starting and ending "
                f"with a letter or digit ({ENDPOINT_NAME_PATTERN.pattern})")
    return None
