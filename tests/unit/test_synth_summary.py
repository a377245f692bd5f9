"""The summary `make synth` prints, read from the real synthesized assembly."""

from __future__ import annotations

from tests.environments import CONFIGURED, STAGE_IDS
from tools.synth_summary import render, summarize


def test_lists_every_stack_of_every_stage_with_its_environment(synthesized, pipeline_settings):
    rows = summarize(synthesized.outdir)
    top_level = {(r.stage, r.stack, r.environment) for r in rows if "/" not in r.stage}
    for stage in CONFIGURED:
        for stack in ("Data", "Serving"):
            assert (stage.stage_id, f"{stage.stage_id}/{stack}", f"{stage.account}/{stage.region}") in top_level
        assert (stage.stage_id, f"{stage.stage_id}/Billing", f"{stage.account}/us-east-1") in top_level
    assert ("(app)", "Pipeline", f"{pipeline_settings.account}/{pipeline_settings.region}") in top_level
    first = f"{CONFIGURED[0].stage_id}/Data"
    data = next(r for r in rows if r.stack == first)
    assert data.resources == len(synthesized.templates()[first]["Resources"])


def test_each_stack_is_listed_once(synthesized):
    """The pipeline deploys the top-level stages, so the assembly holds each stage's stacks once."""
    rows = summarize(synthesized.outdir)
    assert len({r.stack for r in rows}) == len(rows)
    assert {r.stage for r in rows} == {"(app)", *STAGE_IDS}
    assert render(rows).splitlines()[-1] == f"{len(rows)} stacks, {sum(r.resources for r in rows)} resources"
