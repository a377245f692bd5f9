"""The base every config section builds on, and the one error a bad config raises."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from sagemaker_serving_cdk.rules.problems import Problem, describe


class Section(BaseModel):
    """A config section: immutable, and a misspelt field is an error rather than silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}, e.g. UTC or Europe/Berlin") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]
"""An IANA time zone name (UTC, Europe/Berlin, America/Los_Angeles)."""


class ConfigError(ValueError):
    """Every problem found in every environment, raised once so a user fixes them in one pass."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} configuration problem(s):\n" + "\n".join(f"  - {p}" for p in problems)
        )


def describe_validation_error(environment: str, error: ValidationError) -> list[str]:
    """One line per field: environment, dotted field path, the value received and what is allowed."""
    lines = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "(whole environment)"
        message = item["msg"].removeprefix("Value error, ")
        received = _short(item.get("input"))
        lines.append(f"{environment}: {field} = {received}: {message}")
    return lines


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def raise_problems(problems: Iterable[Problem], prefix: str = "") -> None:
    """Raise the library rules' problems as one validation error (pydantic adds environment and field path)."""
    text = describe(problems, prefix)
    if text:
        raise ValueError(text)


def field_problem(problems: list[Problem]) -> None:
    """For a field validator: pydantic already names the field and value, so say why and what is allowed."""
    if problems:
        raise ValueError("; ".join(f"{p.message}; allowed: {p.allowed}" for p in problems))


def by_rule(rule: Callable[[Any], list[Problem]]) -> AfterValidator:
    """A field judged by a library rule: pydantic names the field and value, the rule says why and what is allowed.
    Each field is judged on its own, so every field's problem is still reported in one pass."""

    def check(value: Any) -> Any:
        field_problem(rule(value))
        return value

    return AfterValidator(check)


def renamed(problems: Iterable[Problem], names: Mapping[str, str]) -> list[Problem]:
    """A rule's problems under config's field names (the rule names the construct's props); two that renaming
    makes the same are reported once."""
    unique = {str(p): p for p in (replace(p, field=names.get(p.field, p.field)) for p in problems)}
    return list(unique.values())
