"""Typed per-environment settings: one schema (environment.py and its sections), one value per environment."""

from config.base import ConfigError
from config.environment import EnvironmentConfig
from config.environments import ENVIRONMENTS
from config.loader import load_environments
from config.pipeline import PipelineSettings, load_pipeline_settings
from config.pipeline_settings import PIPELINE

__all__ = [
    "ConfigError", "EnvironmentConfig", "ENVIRONMENTS", "load_environments",
    "PIPELINE", "PipelineSettings", "load_pipeline_settings",
]
