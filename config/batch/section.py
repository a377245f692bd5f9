"""The batch section of an environment: its named transforms and how long their execution logs are kept."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from config.base import Section, field_problem
from config.batch.transform import TransformSettings
from sagemaker_serving_cdk.rules.batch_naming import MAX_TRANSFORM_NAME_LENGTH, job_name_length_bound
from sagemaker_serving_cdk.rules.logs import log_retention_problems


TransformName = Annotated[str, StringConstraints(pattern=rf"^[a-z][a-z0-9-]{{0,{MAX_TRANSFORM_NAME_LENGTH - 2}}}[a-z0-9]$")]


class BatchConfig(Section):
    """The environment's scheduled transforms (any number), keyed by a short name used in job names and prefixes."""

    transforms: dict[TransformName, TransformSettings] = Field(default_factory=dict)
    log_retention_days: int = 365
    """How long the state machines' execution logs are kept (a CloudWatch Logs retention period, in days)."""

    @field_validator("log_retention_days")
    @classmethod
    def _retention_period(cls, value: int) -> int:
        field_problem(log_retention_problems(value))
        return value

    @model_validator(mode="after")
    def _names_fit_job_names(self) -> "BatchConfig":
        problems = []
        for name, transform in self.transforms.items():
            longest = job_name_length_bound(
                name,
                capacity_attempts=transform.capacity_retry.max_attempts,
                task_retries=transform.throttle_retry.max_attempts + transform.limit_retry.max_attempts,
            )
            if longest > 63:
                problems.append(f"transform {name!r}: job names could reach {longest} characters; SageMaker allows 63")
        if problems:
            raise ValueError("; ".join(problems))
        return self
