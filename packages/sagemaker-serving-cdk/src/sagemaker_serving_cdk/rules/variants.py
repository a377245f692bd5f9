"""What a serverless variant cannot be combined with (CreateEndpointConfig ServerlessConfig)."""

from __future__ import annotations

from sagemaker_serving_cdk.rules.problems import Problem


def serverless_problems(
    *,
    multi_model: bool = False,
    network_isolation: bool = False,
    in_vpc: bool = False,
    autoscaling: bool = False,
    model: str = "model",
) -> list[Problem]:
    problems = []
    if multi_model:
        problems.append(
            Problem(
                f"{model}.multi_model_prefix",
                "set",
                "a single-model model",
                "serverless endpoints cannot serve multi-model models",
            )
        )
    if network_isolation:
        problems.append(
            Problem(
                f"{model}.network_isolation", True, "False", "serverless endpoints do not support network isolation"
            )
        )
    if in_vpc:
        problems.append(Problem(f"{model}.vpc", "set", "no vpc", "serverless endpoints do not run in a VPC"))
    if autoscaling:
        problems.append(
            Problem(
                "autoscaling",
                "set",
                "max_concurrency (and provisioned_concurrency)",
                "serverless endpoints scale by max_concurrency, not by Application Auto Scaling "
                "of instances; remove autoscaling, or use instance variants",
            )
        )
    return problems
