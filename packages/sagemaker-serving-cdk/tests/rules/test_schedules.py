"""rules.schedules: one strict parser for Scheduler and Application Auto Scaling expressions."""

import pytest

from sagemaker_serving_cdk.rules.schedules import runs_per_month, schedule_problems


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 8 ? * MON-FRI *)",
        "cron(0/15 8-18 ? * MON-FRI *)",
        "cron(0 0 L * ? *)",
        "rate(1 day)",
        "rate(5 minutes)",
        "at(2027-01-01T08:00:00)",
    ],
)
def test_accepts_valid_expressions(expression):
    assert schedule_problems(expression) == []


@pytest.mark.parametrize(
    "expression, message",
    [
        ("cron(0 8 * * MON-FRI)", "a cron expression has 6 fields"),
        ("cron(0 8 * * MON-FRI *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(61 8 ? * MON *)", "minutes field '61'"),
        ("rate(1 days)", "use the singular unit for 1"),
        ("at(2027-02-30T08:00:00)", "not a date and time"),
        ("every day", "not a schedule expression"),
    ],
)
def test_fails_on_bad_schedule(expression, message):
    [problem] = schedule_problems(expression, field="autoscaling.schedules.0.schedule")
    assert (problem.field, problem.value) == ("autoscaling.schedules.0.schedule", expression)
    assert message in problem.message and "cron(minutes hours day-of-month month day-of-week year)" in problem.allowed


def test_fails_on_one_time_schedule_where_none_is_allowed():
    [problem] = schedule_problems("at(2027-01-01T08:00:00)", one_time=False)
    assert "at(" not in problem.allowed


def test_runs_per_month_counts_weekdays():
    assert runs_per_month("cron(0 8 ? * MON-FRI *)") == pytest.approx(5 * 365 / 12 / 7)
