"""The schema of the deployment pipeline: where it runs (the tooling account) and what it builds from."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationError, ValidationInfo, field_validator

from config.base import ConfigError, Section, describe_validation_error
from config.environment_schema import AccountId, Region

# CodeStar Connections was renamed CodeConnections; AWS accepts either service prefix in an ARN.
_CONNECTION_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):"
    r"(?P<account>\d{12}):connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
# GitHub's rules: owner of 1-39 [A-Za-z0-9-] not starting with "-"; repository of 1-100 [A-Za-z0-9._-].
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
# What git forbids in a ref name: whitespace and ~^:?*[\, "..", "@{", "//", a leading "-" or "/",
# a trailing "/", "." or ".lock".
_BAD_BRANCH = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{|//|^[-/]|[/.]$|\.lock$")


def _connection_arn(value: str) -> str:
    if not _CONNECTION_ARN.match(value):
        raise ValueError(
            "must be a CodeStar/CodeConnections connection ARN, "
            "arn:aws:codeconnections:REGION:ACCOUNT:connection/UUID (or arn:aws:codestar-connections:...)"
        )
    return value


def _repository(value: str) -> str:
    if not _REPOSITORY.match(value) or value.split("/", 1)[1] in {".", ".."}:
        raise ValueError('must be "owner/name" as on GitHub, e.g. "my-org/sagemaker-inference"')
    return value


def _branch(value: str) -> str:
    if not value or len(value) > 255 or _BAD_BRANCH.search(value):
        raise ValueError("must be a git branch name (no spaces, ~^:?*[\\, '..', '@{'), e.g. 'main'")
    return value


class PipelineSettings(Section):
    """The CDK Pipelines stack: its own account and region (the tooling account), and its source."""

    account: AccountId
    """The tooling account the pipeline lives in. Every stage's account must be bootstrapped with
    `cdk bootstrap --trust <this account>` so that the pipeline may deploy there."""

    region: Region

    connection_arn: Annotated[str, AfterValidator(_connection_arn)]
    """A CodeStar/CodeConnections connection to the Git host, created (and authorised once in the
    console) in the tooling account and region."""

    repository: Annotated[str, AfterValidator(_repository)]
    """The repository the pipeline builds, as "owner/name"."""

    branch: Annotated[str, AfterValidator(_branch)] = "main"
    """The branch whose every push runs the pipeline. Defaults to main."""

    stage_order: tuple[Annotated[str, StringConstraints(min_length=1)], ...]
    """The environments (by name) in the order the pipeline deploys them. Every environment must have a
    place: a new environment is either deployed by the pipeline where this list puts it, or the change
    that adds it fails validation (no environment silently goes undeployed, or deploys after prod)."""

    approval_before: tuple[Annotated[str, StringConstraints(min_length=1)], ...] = ("prod",)
    """Environments (by name) whose deployment waits for a manual approval in the pipeline.
    Defaults to prod only; each name must be one of the environments."""

    @field_validator("connection_arn")
    @classmethod
    def _connection_is_in_the_tooling_account(cls, value: str, info: ValidationInfo) -> str:
        # A pipeline can only use a connection of its own account and region. (account and region are
        # declared first, so they are validated by now; if either is invalid, that error suffices.)
        match = _CONNECTION_ARN.match(value)
        account, region = info.data.get("account"), info.data.get("region")
        if match and account and region and (match["account"], match["region"]) != (account, region):
            raise ValueError(
                f"the connection is in {match['account']}/{match['region']} but the pipeline runs in "
                f"{account}/{region}; create the connection in the tooling account and region"
            )
        return value


def load_pipeline_settings(
    raw: Mapping[str, Any],
    *,
    environment_names: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> PipelineSettings:
    """Validate the pipeline settings; `overrides` replaces top-level fields, `environment_names` (the
    loaded environments, in pipeline order) are what `approval_before` may name. None: not checked.

    Raises ConfigError naming each field, the value received and what is allowed, all at once.
    """
    values = {**copy.deepcopy(dict(raw)), **(overrides or {})}
    try:
        settings = PipelineSettings.model_validate(values)
    except ValidationError as error:
        raise ConfigError(describe_validation_error("pipeline", error)) from None
    if environment_names is not None:
        problems = _problems_with_environments(settings, list(environment_names))
        if problems:
            raise ConfigError(problems)
    return settings


def _problems_with_environments(settings: PipelineSettings, environment_names: list[str]) -> list[str]:
    """stage_order names every environment once; approval_before names environments."""
    allowed = ", ".join(map(repr, environment_names))
    problems = []
    for field in ("stage_order", "approval_before"):
        names = list(getattr(settings, field))
        unknown = [name for name in names if name not in environment_names]
        if unknown:
            problems.append(f"pipeline: {field} = {names!r}: {', '.join(map(repr, unknown))} is not an environment; "
                            f"allowed: {allowed}")
    order = list(settings.stage_order)
    repeated = sorted({name for name in order if order.count(name) > 1})
    if repeated:
        problems.append(f"pipeline: stage_order = {order!r}: {', '.join(map(repr, repeated))} appears more than "
                        "once; each environment deploys once")
    missing = [name for name in environment_names if name not in order]
    if missing:
        problems.append(f"pipeline: stage_order = {order!r}: {', '.join(map(repr, missing))} is missing; every "
                        f"environment must have a place in the pipeline's order (environments: {allowed})")
    return problems
