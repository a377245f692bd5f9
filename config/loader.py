"""Turns the raw environment values into validated configs, or one error listing every problem."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from config.base import ConfigError, describe_validation_error
from config.environment_schema import EnvironmentConfig


def load_environments(
    raw_environments: Iterable[Mapping[str, Any]],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[EnvironmentConfig]:
    """Validate every environment; `overrides` maps an environment name to top-level fields to replace.

    Raises ConfigError naming environment, field, value and what is allowed, for all problems at once.
    """
    overrides = overrides or {}
    problems: list[str] = []
    loaded: list[EnvironmentConfig] = []
    for raw in raw_environments:
        name = str(raw.get("name", "(unnamed)"))
        values = {**copy.deepcopy(dict(raw)), **overrides.get(name, {})}
        try:
            loaded.append(EnvironmentConfig.model_validate(values))
        except ValidationError as error:
            problems.extend(describe_validation_error(name, error))

    problems.extend(_cross_environment_problems(loaded))
    unknown = set(overrides) - {env.name for env in loaded} - {str(r.get("name")) for r in raw_environments}
    problems.extend(f"override for unknown environment {name!r}" for name in sorted(unknown))
    if problems:
        raise ConfigError(problems)
    return loaded


def _cross_environment_problems(environments: list[EnvironmentConfig]) -> list[str]:
    problems = []
    for field in ("name", "name_prefix"):
        seen: dict[str, str] = {}
        for env in environments:
            value = getattr(env, field)
            if value in seen:
                problems.append(f"{env.name}: {field} = {value!r}: already used by {seen[value]}; must be unique")
            seen[value] = env.name
    return problems
