"""Schedule expressions, one parser: EventBridge Scheduler (batch transforms) and Application Auto Scaling
(scheduled scaling) share the formats `cron(minutes hours day-of-month month day-of-week year)` (6 fields),
`rate(<value> <unit>)` and `at(yyyy-mm-ddThh:mm:ss)`. Validation, the hours a cron fires at (the batch
UTC-date rule) and how often it fires in a month (the cost estimate) all read it here.
"""

from __future__ import annotations

import re
from datetime import datetime

from sagemaker_serving_cdk.rules.problems import Problem

DAYS_PER_MONTH = 365 / 12
CRON_FORMAT = "cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 8 ? * MON-FRI *)"
RATE_FORMAT = "rate(<value> minute(s)|hour(s)|day(s)), e.g. rate(7 days)"
AT_FORMAT = "at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-01T08:00:00)"


_CRON_FIELDS = (
    # name, lowest, highest, names allowed instead of numbers, special characters beyond , - * /
    ("minutes", 0, 59, (), ""),
    ("hours", 0, 23, (), ""),
    ("day-of-month", 1, 31, (), "?LW"),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), ""),
    ("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), "?L#"),
    ("year", 1970, 2199, (), ""),
)
_RATE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)")


def cron_problem(expression: str) -> str | None:
    """What is wrong with an EventBridge Scheduler cron expression, or None when it is valid."""
    match = re.fullmatch(r"cron\((?P<body>[^()]*)\)", expression)
    if not match:
        return "expected cron(minutes hours day-of-month month day-of-week year)"
    fields = match.group("body").split()
    if len(fields) != 6:
        return f"a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    for value, (name, low, high, names, special) in zip(fields, _CRON_FIELDS, strict=True):
        problem = _cron_field_problem(value, low, high, names, special)
        if problem:
            return f"{name} field {value!r}: {problem}"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "exactly one of day-of-month and day-of-week must be '?' (e.g. cron(0 0 1 * ? *) or cron(0 2 ? * MON *))"
    return None


def _cron_field_problem(value: str, low: int, high: int, names: tuple[str, ...], special: str) -> str | None:
    if value == "?":
        return None if "?" in special else "'?' is allowed only in day-of-month and day-of-week"
    for part in value.split(","):
        if part == "*":
            continue
        if "L" in special and part in ("L", "LW"):
            continue
        if "W" in special and re.fullmatch(r"\d{1,2}W", part):
            part = part[:-1]
        elif "#" in special and re.fullmatch(r"[1-7A-Z]{1,3}#[1-5]", part):
            part = part.split("#")[0]
        elif "L" in special and re.fullmatch(r"[1-7A-Z]{1,3}L", part):
            part = part[:-1]
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) >= 1):
            return f"step {step!r} must be a positive number"
        bounds = [base] if base == "*" else base.split("-")
        if len(bounds) > 2 or (base == "*" and not step):
            return f"{part!r} is not a value, a range a-b, a list a,b or a step a/n"
        for bound in bounds:
            if bound == "*":
                continue
            number = names.index(bound) + low if bound in names else (int(bound) if bound.isdigit() else None)
            if number is None or not low <= number <= high:
                allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
                return f"{bound!r} is outside {allowed}"
    return None


def rate_problem(expression: str) -> str | None:
    match = _RATE.fullmatch(expression)
    if not match:
        return "expected rate(<value> <unit>) with unit minute(s), hour(s) or day(s), e.g. rate(7 days)"
    value, unit = int(match.group("value")), match.group("unit")
    if value < 1:
        return f"the rate value must be at least 1, got {value}"
    if (value == 1) == unit.endswith("s"):
        return f"use the singular unit for 1 and the plural otherwise (rate(1 day), rate(7 days)), got {expression!r}"
    return None


def fixed_hours(expression: str) -> tuple[tuple[int, int], ...] | None:
    """The (hour, minute) pairs a cron expression fires at, or None when it fires at every hour or minute."""
    fields = expression[len("cron(") : -1].split()

    def values(field: str, high: int) -> list[int] | None:
        found: list[int] = []
        for part in field.split(","):
            base, _, step = part.partition("/")
            if base == "*":
                return None
            start, _, end = base.partition("-")
            stop = int(end) if end else (high if step else int(start))
            found.extend(range(int(start), stop + 1, int(step) if step else 1))
        return found

    minutes, hours = values(fields[0], 59), values(fields[1], 23)
    if minutes is None or hours is None:
        return None
    return tuple((h, m) for h in hours for m in minutes)


def at_problem(expression: str) -> str | None:
    match = re.fullmatch(r"at\((?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)", expression)
    if not match:
        return f"expected {AT_FORMAT}"
    try:
        datetime.fromisoformat(match.group("time"))
    except ValueError as error:
        return f"not a date and time: {error}"
    return None


def schedule_problems(expression: str, *, field: str = "schedule", one_time: bool = True) -> list[Problem]:
    """A cron, rate or (when `one_time`) at expression, checked strictly: a 5-field Unix cron is refused."""
    kinds = {"cron(": cron_problem, "rate(": rate_problem, **({"at(": at_problem} if one_time else {})}
    allowed = " or ".join([CRON_FORMAT, RATE_FORMAT] + ([AT_FORMAT] if one_time else []))
    for prefix, check in kinds.items():
        if expression.startswith(prefix):
            problem = check(expression)
            return [Problem(field, expression, allowed, problem)] if problem else []
    return [Problem(field, expression, allowed, "not a schedule expression")]


def runs_per_month(expression: str) -> float:
    """How often an EventBridge (Scheduler) expression fires in an average month (cron: approximately)."""
    expression = expression.strip()
    rate = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        per_day = {"minute": 24 * 60, "hour": 24, "day": 1}[unit] / value
        return per_day * DAYS_PER_MONTH
    if re.fullmatch(r"at\(.+\)", expression):
        return 1.0  # a one-time run: counted once, in the month it happens
    cron = re.fullmatch(r"cron\((.+)\)", expression)
    if not cron or len(cron.group(1).split()) != 6:
        raise ValueError(f"cannot tell how often {expression!r} runs; expected rate(...), cron(6 fields) or at(...)")
    minutes, hours, day_of_month, month, day_of_week, _year = cron.group(1).split()
    per_day = _count(minutes, 0, 59) * _count(hours, 0, 23)
    if day_of_month == "?":
        monthly = [p for p in day_of_week.split(",") if "#" in p or (p.endswith("L") and p != "L")]
        days = len(monthly) if monthly else _count(day_of_week, 1, 7, _DAYS) * DAYS_PER_MONTH / 7
    else:
        days = DAYS_PER_MONTH if day_of_month == "*" else _count(day_of_month, 1, 31)
    return per_day * days * _count(month, 1, 12, _MONTHS) / 12


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _count(field_value: str, low: int, high: int, names: tuple[str, ...] = ()) -> int:
    """How many values a cron field selects (`*`, lists, ranges, steps, names); L, W and # forms count once."""

    def number(text: str) -> int | None:
        if text.isdigit():
            return int(text)
        return names.index(text) + low if text in names else None

    total = 0
    for part in field_value.split(","):
        base, _, step = part.partition("/")
        bounds = base.split("-")
        if base in ("*", "?"):
            start, end = low, high
        elif len(bounds) == 2 and (first := number(bounds[0])) is not None and (last := number(bounds[1])) is not None:
            start, end = first, last
        elif (single := number(base)) is not None:
            start, end = single, (high if step else single)
        else:
            total += 1  # L, LW, 15W, MON#2, 5L: one value
            continue
        total += len(range(start, end + 1, int(step) if step.isdigit() else 1))
    return total
