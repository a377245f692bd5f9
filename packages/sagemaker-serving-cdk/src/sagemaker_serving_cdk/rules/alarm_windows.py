"""The window a CloudWatch alarm evaluates: M breaching datapoints of N periods, and how far back N periods reach.

From the PutMetricAlarm API reference (Period): "Period multiplied by EvaluationPeriods can't be more than 604,800
seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be
longer than one day (86,400 seconds)."
"""

from __future__ import annotations

from sagemaker_serving_cdk.rules.problems import Problem

MAX_WINDOW_SECONDS = 7 * 24 * 3600
MAX_SUB_HOUR_WINDOW_SECONDS = 24 * 3600


def alarm_window_problems(
    datapoints_to_alarm: int,
    evaluation_periods: int,
    *,
    period_seconds: int | None = None,
    field: str = "datapoints_to_alarm",
    periods_field: str = "evaluation_periods",
) -> list[Problem]:
    """An alarm fires on M of N periods, so M <= N; and N periods of `period_seconds` (None: not checked) stay
    within what CloudWatch evaluates."""
    problems: list[Problem] = []
    if datapoints_to_alarm > evaluation_periods:
        problems.append(
            Problem(
                field,
                datapoints_to_alarm,
                f"<= evaluation_periods ({evaluation_periods})",
                "more breaching datapoints than periods evaluated; the alarm could never fire",
            )
        )
    if period_seconds is not None:
        sub_hour = period_seconds < 3600
        limit = MAX_SUB_HOUR_WINDOW_SECONDS if sub_hour else MAX_WINDOW_SECONDS
        if period_seconds * evaluation_periods > limit:
            problems.append(
                Problem(
                    periods_field,
                    evaluation_periods,
                    f"<= {limit // period_seconds} periods of {period_seconds // 60} minutes "
                    f"({limit // 3600} hours{' with periods under an hour' if sub_hour else ''})",
                    f"{evaluation_periods} periods of {period_seconds // 60} minutes span "
                    f"{period_seconds * evaluation_periods / 3600:g} hours; CloudWatch evaluates no longer window",
                )
            )
    return problems
