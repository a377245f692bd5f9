"""Stable endpoint names and SageMaker's rule for them. Pure Python: config and tools import it without the CDK."""

from __future__ import annotations

import re

from sagemaker_serving_cdk.rules.problems import Problem

# SageMaker's endpoint name rule (CreateEndpoint, EndpointName): 1-63 characters, alphanumerics and hyphens,
# starting and ending with an alphanumeric.
ENDPOINT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_ENDPOINT_NAME_LENGTH = 63


def endpoint_name(name_prefix: str, endpoint: str) -> str:
    """The stable physical name of an environment's endpoint: `<name_prefix>-<endpoint>` (ARCHITECTURE.md section 4)."""
    return f"{name_prefix}-{endpoint}"


def inference_component_name(name_prefix: str, endpoint: str, component: str) -> str:
    """The stable physical name of an endpoint's inference component: `<name_prefix>-<endpoint>-<component>`."""
    return f"{endpoint_name(name_prefix, endpoint)}-{component}"


def endpoint_name_problem(name: str) -> str | None:
    """Why SageMaker would reject `name` as an endpoint name, or None when it is valid."""
    if len(name) > MAX_ENDPOINT_NAME_LENGTH:
        return f"{name!r} has {len(name)} characters; SageMaker allows at most {MAX_ENDPOINT_NAME_LENGTH}"
    if not ENDPOINT_NAME_PATTERN.match(name):
        return (
            f"{name!r} is not a SageMaker endpoint name: letters, digits and hyphens, starting and ending "
            f"with a letter or digit ({ENDPOINT_NAME_PATTERN.pattern})"
        )
    return None


def endpoint_name_prefix_problems(prefix: str, *, field: str = "endpoint_name_prefix") -> list[Problem]:
    """A prefix that endpoint names can start with: a valid name, or one followed by hyphens."""
    if prefix and ENDPOINT_NAME_PATTERN.match(prefix.rstrip("-") or "-"):
        return []
    return [
        Problem(
            field,
            prefix,
            "letters, digits and hyphens, starting with a letter or digit",
            "no endpoint name starts with it",
        )
    ]
