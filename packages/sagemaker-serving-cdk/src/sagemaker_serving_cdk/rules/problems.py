"""The one shape every rule reports a problem in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """`field` is the name of the prop or setting (dotted when nested), `value` what it got, `allowed` what
    would be accepted, `message` why the value is refused."""

    field: str
    value: Any
    allowed: str
    message: str

    def __str__(self) -> str:
        return f"{self.field} = {self.value!r}: {self.message}; allowed: {self.allowed}"


def describe(problems: Iterable[Problem], prefix: str = "") -> str:
    """All problems on one line each, fields prefixed (e.g. with a variant's name)."""
    return "; ".join(f"{prefix}{problem}" for problem in problems)


def at(field: str, name: str) -> str:
    """`name` under `field` (`deployment` + `wait_interval` -> `deployment.wait_interval`); an empty `field` leaves
    `name` bare, for callers (config) that name the enclosing setting themselves."""
    return f"{field}.{name}" if field else name
