"""When a transform runs: its EventBridge Scheduler schedule (expressions checked by the library's rules.schedules)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints, field_validator, model_validator

from config.base import Section, TimeZoneName
from sagemaker_serving_cdk.rules.schedules import cron_problem, fixed_hours, rate_problem


class ScheduleSettings(Section):
    """When EventBridge Scheduler starts the transform."""

    expression: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
    """`cron(minutes hours day-of-month month day-of-week year)` or `rate(<value> minute(s)|hour(s)|day(s))`."""
    timezone: TimeZoneName = "UTC"
    """IANA time zone a cron expression is evaluated in, e.g. Europe/Berlin. Rate schedules ignore it."""
    enabled: bool = True
    """False: the schedule exists but never fires; start runs by hand (see README, Batch transforms)."""
    flexible_window_minutes: Optional[Annotated[int, Field(ge=1, le=1440)]] = None
    """Let the scheduler start up to this many minutes late to spread load. Default: off (start on time)."""
    start: Optional[datetime] = None
    """First time the schedule may fire (ISO 8601 with a UTC offset). Default: as soon as it is deployed."""
    end: Optional[datetime] = None
    """Last time the schedule may fire. Default: never ends."""
    retry_attempts: Annotated[int, Field(ge=0, le=185)] = 10
    """How often the scheduler retries a StartExecution call that failed (e.g. throttled)."""
    max_event_age_hours: Annotated[int, Field(ge=1, le=24)] = 6
    """The scheduler gives up on an invocation it could not deliver within this time."""

    @field_validator("expression")
    @classmethod
    def _known_expression(cls, value: str) -> str:
        if value.startswith("cron("):
            problem = cron_problem(value)
        elif value.startswith("rate("):
            problem = rate_problem(value)
        else:
            problem = "expected cron(...) or rate(...), e.g. cron(0 0 1 * ? *) or rate(7 days)"
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: Optional[datetime]) -> Optional[datetime]:
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} has no UTC offset; write e.g. 2027-01-01T00:00:00+00:00")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "ScheduleSettings":
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"start ({self.start.isoformat()}) must be before end ({self.end.isoformat()})")
        if self.is_cron:
            problem = self._utc_date_problem()
            if problem:
                raise ValueError(problem)
        return self

    @property
    def is_cron(self) -> bool:
        return self.expression.startswith("cron(")

    def _utc_date_problem(self) -> Optional[str]:
        # The job's date (its S3 prefixes) is the UTC date of the scheduled time: the scheduler passes
        # that time in UTC, and the state machine cannot do time-zone arithmetic. Refuse a local time that
        # falls on another UTC date, rather than reading yesterday's folder without a word.
        zone = ZoneInfo(self.timezone)
        offsets = {datetime(2026, month, 15, 12, tzinfo=zone).utcoffset() for month in range(1, 13)}
        if offsets == {timedelta(0)}:
            return None
        times = fixed_hours(self.expression)
        if times is None:
            return (
                f"{self.expression} fires at many times of day; in {self.timezone} some of them fall on another "
                "UTC date than the local one, and the job's S3 prefix uses the UTC date. Use timezone UTC"
            )
        for hour, minute in times:
            for offset in sorted(offsets):
                utc_minutes = hour * 60 + minute - int(offset.total_seconds() // 60)
                if not 0 <= utc_minutes < 24 * 60:
                    return (
                        f"{self.expression} at {hour:02d}:{minute:02d} {self.timezone} is on another UTC date "
                        f"(offset {offset}), and the job's S3 prefix uses the UTC date of the scheduled time; "
                        "pick a local time that is on the same date in UTC, or use timezone UTC"
                    )
        return None
