"""Typed per-environment settings: one schema (environment.py and its sections), one value per environment."""

from config.base import ConfigError
from config.environment import EnvironmentConfig
from config.environments import ENVIRONMENTS
from config.loader import load_environments

__all__ = ["ConfigError", "EnvironmentConfig", "ENVIRONMENTS", "load_environments"]
