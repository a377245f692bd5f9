"""The configured environments, for parametrizing tests at collection time.

Tests follow config: adding an environment to config/environment_values.py adds its cases everywhere, and a
test that needs an environment with some feature selects it by the feature (`stages_where`), never by name.
"""
from __future__ import annotations

from collections.abc import Callable

from config import ENVIRONMENTS, EnvironmentConfig, load_environments

CONFIGURED: tuple[EnvironmentConfig, ...] = tuple(load_environments(ENVIRONMENTS))
STAGE_IDS: list[str] = [env.stage_id for env in CONFIGURED]
BY_STAGE: dict[str, EnvironmentConfig] = {env.stage_id: env for env in CONFIGURED}


def stages_where(predicate: Callable[[EnvironmentConfig], bool]) -> list[str]:
    """Stage ids of the environments the predicate holds for (e.g. those with a Batch stack)."""
    return [env.stage_id for env in CONFIGURED if predicate(env)]
