"""rules.bounds: a count between a floor and a ceiling, starting within them."""

import pytest

from sagemaker_serving_cdk.rules.bounds import bounds_problems

NAMES = {"min_field": "s.min", "max_field": "s.max", "start_field": "start", "counted": "copies", "starts": "it"}


def test_accepts_a_start_within_bounds():
    assert bounds_problems(0, 2, 1, **NAMES) == bounds_problems(1, 1, None, **NAMES) == []


@pytest.mark.parametrize(
    "bounds, expected",
    [
        ((-1, 2, 0), [("s.min", -1, ">= 0")]),
        ((0, 0, 0), [("s.max", 0, ">= 1")]),
        ((3, 2, 2), [("s.min", 3, "<= max (2)")]),
        ((1, 2, 3), [("start", 3, "min (1) to max (2)")]),
    ],
)
def test_fails_outside_the_bounds(bounds, expected):
    assert [(p.field, p.value, p.allowed) for p in bounds_problems(*bounds, **NAMES)] == expected
