"""Counts that scale between bounds (variant instances, a component host's managed instances, component copies):
one rule for the floor, the ceiling and where the count starts."""

from __future__ import annotations

from sagemaker_serving_cdk.rules.problems import Problem


def bounds_problems(
    minimum: int,
    maximum: int,
    start: int | None = None,
    *,
    min_field: str,
    max_field: str,
    start_field: str = "",
    counted: str,
    starts: str = "",
) -> list[Problem]:
    """0 <= minimum <= maximum, maximum >= 1, and `start` (None: not checked) within them.

    Fields are the caller's (dotted where nested); `counted` names what is counted (instances, copies), `starts`
    what starts at `start` (the host, the component).
    """
    problems: list[Problem] = []
    if minimum < 0:
        problems.append(Problem(min_field, minimum, ">= 0", f"a negative number of {counted}"))
    if maximum < 1:
        problems.append(Problem(max_field, maximum, ">= 1", f"no {counted} ever"))
    elif minimum > maximum:
        problems.append(
            Problem(min_field, minimum, f"<= {_name(max_field)} ({maximum})", "the floor is above the ceiling")
        )
    elif start is not None and not minimum <= start <= maximum:
        problems.append(
            Problem(
                start_field,
                start,
                f"{_name(min_field)} ({minimum}) to {_name(max_field)} ({maximum})",
                f"{starts} starts outside its scaling bounds",
            )
        )
    return problems


def _name(field: str) -> str:
    return field.rsplit(".", 1)[-1]
