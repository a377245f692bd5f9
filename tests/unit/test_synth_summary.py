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


def test_pipeline_copies_are_counted_once_not_repeated(synthesized):
    text = render(summarize(synthesized.outdir))
    assert f"Pipeline/{STAGE_IDS[0]}/Data" not in text
    copies = ", ".join(f"Pipeline/{stage}" for stage in sorted(STAGE_IDS))
    assert f"stacks the pipeline deploys ({copies})" in text
