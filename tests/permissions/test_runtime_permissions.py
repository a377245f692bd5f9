"""Every runtime path's documented permissions, evaluated on every configured stage's synthesized policies."""

from __future__ import annotations

import dataclasses

import pytest

from config import ENVIRONMENTS
from tests.permissions.check import failures
from tests.permissions.requirements import PIPELINE_ROWS, REQUIREMENTS

STAGE_IDS = [str(env["name"]).capitalize() for env in ENVIRONMENTS]
CASES = [pytest.param(row, stage, id=f"{row.id}-{stage}")
         for row in REQUIREMENTS if row.id not in PIPELINE_ROWS for stage in STAGE_IDS]
CASES += [pytest.param(row, "Pipeline", id=row.id) for row in REQUIREMENTS if row.id in PIPELINE_ROWS]


def test_every_row_cites_aws_documentation():
    for row in REQUIREMENTS:
        assert row.doc.startswith("https://docs.aws.amazon.com/"), row.id
        assert row.actions and all(":" in a for a in row.actions), row.id
    assert len({row.id for row in REQUIREMENTS}) == len(REQUIREMENTS)


@pytest.mark.parametrize("row, stage", CASES)
def test_runtime_path_has_what_aws_documents(world, row, stage):
    targets = row.targets(world, stage)
    if not targets:
        pytest.skip(f"{stage} has no {row.path} ({row.resource})")
    problems = failures(world, row, targets)
    assert not problems, f"{row.path} ({row.doc}):\n  " + "\n  ".join(problems)


def idle_rows(world, rows) -> list[str]:
    return [row.id for row in rows if row.id not in PIPELINE_ROWS
            and not any(row.targets(world, stage) for stage in STAGE_IDS)]


def test_every_row_applies_to_some_configured_stage(world):
    """A row no configured stage exercises proves nothing: each runtime path must be deployed somewhere."""
    assert idle_rows(world, REQUIREMENTS) == []


def test_fails_on_a_row_no_stage_exercises(world):
    unused = dataclasses.replace(REQUIREMENTS[0], id="nowhere", targets=lambda world, stage: [])
    assert idle_rows(world, [*REQUIREMENTS, unused]) == ["nowhere"]
