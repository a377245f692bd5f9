"""Typed per-environment settings: each schema next to its values (environment_schema.py with its sections /
environment_values.py, pipeline_schema.py / pipeline_values.py)."""

from config.base import ConfigError
from config.environment_schema import EnvironmentConfig
from config.environment_values import ENVIRONMENTS
from config.loader import load_environments
from config.pipeline_schema import PipelineSettings, load_pipeline_settings
from config.pipeline_values import PIPELINE

__all__ = [
    "ConfigError", "EnvironmentConfig", "ENVIRONMENTS", "load_environments",
    "PIPELINE", "PipelineSettings", "load_pipeline_settings",
]
