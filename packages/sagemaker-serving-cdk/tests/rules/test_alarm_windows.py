"""rules.alarm_windows: M of N datapoints, and the window N periods span."""

import pytest

from sagemaker_serving_cdk.rules.alarm_windows import alarm_window_problems


def test_accepts_windows_cloudwatch_evaluates():
    assert alarm_window_problems(3, 3) == []
    assert alarm_window_problems(1, 288, period_seconds=300) == []  # 24 hours of 5-minute periods
    assert alarm_window_problems(1, 25, period_seconds=3600) == []  # hourly periods may look back 7 days
    assert alarm_window_problems(1, 7, period_seconds=86400) == []


def test_fails_on_more_datapoints_than_periods():
    problems = alarm_window_problems(3, 2)
    assert str(problems[0]).startswith("datapoints_to_alarm = 3:") and "<= evaluation_periods (2)" in str(problems[0])


@pytest.mark.parametrize(
    "periods, period_seconds, allowed",
    [
        (289, 300, "<= 288 periods of 5 minutes (24 hours with periods under an hour)"),
        (49, 1800, "<= 48 periods of 30 minutes (24 hours with periods under an hour)"),
        (169, 3600, "<= 168 periods of 60 minutes (168 hours)"),
        (8, 86400, "<= 7 periods of 1440 minutes (168 hours)"),
    ],
)
def test_fails_on_a_window_longer_than_cloudwatch_evaluates(periods, period_seconds, allowed):
    # PutMetricAlarm, Period: Period x EvaluationPeriods <= 604,800 s, and <= 86,400 s for periods under an hour.
    (problem,) = alarm_window_problems(1, periods, period_seconds=period_seconds)
    assert (problem.field, problem.value, problem.allowed) == ("evaluation_periods", periods, allowed)
