"""CloudWatch Logs retention: the periods aws-cdk-lib's RetentionDays offers (generated table)."""

from __future__ import annotations

from sagemaker_serving_cdk._data.log_retention import RETENTION_DAYS
from sagemaker_serving_cdk.rules.problems import Problem

_INFINITE = "INFINITE"
RETENTION_PERIODS_DAYS = tuple(days for days, name in RETENTION_DAYS.items() if name != _INFINITE)


def retention_member(days: int) -> str:
    """The `aws_logs.RetentionDays` member name for a number of days (ValueError when there is none)."""
    problems = log_retention_problems(days)
    if problems:
        raise ValueError(str(problems[0]))
    return RETENTION_DAYS[days]


def log_retention_problems(days: int, *, field: str = "log_retention_days") -> list[Problem]:
    if days in RETENTION_PERIODS_DAYS:
        return []
    return [Problem(field, days, ", ".join(map(str, RETENTION_PERIODS_DAYS)), "not a CloudWatch Logs retention period")]
