"""Builds environments with one serving section replaced and returns every problem config reports for them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config import ConfigError, load_environments
from config.environment_values import ENVIRONMENTS


def problems_for(environment: str, serving: dict[str, Any] | None = None, **fields: Any) -> list[str]:
    """Every problem reported when `environment` (with its pending issue-15 values) gets `serving` and `fields`."""
    environments = copy.deepcopy(list(ENVIRONMENTS))
    raw = next(env for env in environments if env["name"] == environment)
    if serving is not None:
        raw["serving"] = serving
    raw.update(fields)
    with pytest.raises(ConfigError) as raised:
        load_environments(environments)
    return raised.value.problems


def loads(environment: str, serving: dict[str, Any]) -> Any:
    """The validated environment with `serving` in place of its own."""
    environments = copy.deepcopy(list(ENVIRONMENTS))
    next(env for env in environments if env["name"] == environment)["serving"] = serving
    return next(env for env in load_environments(environments) if env.name == environment)
