"""How an endpoint config's variants combine, and a serverless variant's capacity and what it cannot be combined
with (CreateEndpointConfig: ProductionVariants 1-10, ShadowProductionVariants, ServerlessConfig MemorySizeInMB
1024-6144 in 1 GB steps, MaxConcurrency and ProvisionedConcurrency 1-200 with provisioned <= max; serverless
endpoints take no async inference or shadow variants, async endpoints no shadow variants)."""

from __future__ import annotations

from collections.abc import Sequence

from sagemaker_serving_cdk.rules.problems import Problem, at

MAX_PRODUCTION_VARIANTS = 10
SERVERLESS_MEMORY_SIZES_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SERVERLESS_CONCURRENCY = (1, 200)


def endpoint_variant_problems(
    *,
    variant_names: Sequence[str],
    shadow_variant_names: Sequence[str] = (),
    serverless_name: str | None = None,
    async_inference: bool = False,
) -> list[Problem]:
    """At most 10 production variants, unique names, nothing beside a serverless variant, no shadows on async."""
    problems: list[Problem] = []
    if len(variant_names) > MAX_PRODUCTION_VARIANTS:
        problems.append(
            Problem("variants", len(variant_names), f"1-{MAX_PRODUCTION_VARIANTS}", "too many production variants")
        )
    names = [*variant_names, *shadow_variant_names, *([serverless_name] if serverless_name else [])]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(Problem("variant names", repeated, "each name once", "variant names must be unique"))
    beside = (("variants", list(variant_names)), ("shadow_variants", list(shadow_variant_names)))
    if serverless_name is not None:
        problems += [
            Problem(field, value, "nothing beside the serverless variant", "a serverless endpoint has one variant")
            for field, value in (*beside, ("async_inference", async_inference))
            if value
        ]
    elif async_inference and shadow_variant_names:
        problems.append(
            Problem(
                "shadow_variants",
                list(shadow_variant_names),
                "none on an async endpoint",
                "shadow variants are not supported on async endpoints",
            )
        )
    return problems


def serverless_capacity_problems(
    *,
    memory_size_mb: int | None = None,
    max_concurrency: int | None = None,
    provisioned_concurrency: int | None = None,
    field: str = "serverless",
) -> list[Problem]:
    """A serverless variant's memory and concurrency (None: not given, nothing to check)."""
    problems: list[Problem] = []
    if memory_size_mb is not None and memory_size_mb not in SERVERLESS_MEMORY_SIZES_MB:
        problems.append(
            Problem(
                at(field, "memory_size_mb"),
                memory_size_mb,
                ", ".join(map(str, SERVERLESS_MEMORY_SIZES_MB)),
                "serverless memory comes in 1 GB steps",
            )
        )
    low, high = SERVERLESS_CONCURRENCY
    for name, value in (("max_concurrency", max_concurrency), ("provisioned_concurrency", provisioned_concurrency)):
        if value is not None and not low <= value <= high:
            problems.append(Problem(at(field, name), value, f"{low}-{high}", "out of range"))
    if (
        max_concurrency is not None
        and provisioned_concurrency is not None
        and not problems
        and provisioned_concurrency > max_concurrency
    ):
        problems.append(
            Problem(
                at(field, "provisioned_concurrency"),
                provisioned_concurrency,
                f"<= max_concurrency ({max_concurrency})",
                "more warm capacity than the endpoint may use",
            )
        )
    return problems


def serverless_problems(
    *,
    multi_model: bool = False,
    network_isolation: bool = False,
    in_vpc: bool = False,
    autoscaling: bool = False,
    model: str = "model",
) -> list[Problem]:
    """What a serverless variant's model and scaling cannot be."""
    problems: list[Problem] = []
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
