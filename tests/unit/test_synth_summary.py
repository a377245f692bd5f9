"""The summary `make synth` prints, read from the real synthesized assembly."""

from __future__ import annotations

from tools.synth_summary import render, summarize


def test_lists_every_stack_of_every_stage_with_its_environment(synthesized):
    rows = summarize(synthesized.outdir)
    top_level = {(r.stage, r.stack, r.environment) for r in rows if "/" not in r.stage}
    assert ("Dev", "Dev/Data", "111111111111/us-east-1") in top_level
    assert ("Prod", "Prod/Serving", "333333333333/us-west-2") in top_level
    assert ("(app)", "Pipeline", "444444444444/us-east-1") in top_level
    data = next(r for r in rows if r.stack == "Dev/Data")
    assert data.resources == len(synthesized.templates()["Dev/Data"]["Resources"])


def test_pipeline_copies_are_counted_once_not_repeated(synthesized):
    text = render(summarize(synthesized.outdir))
    assert "Pipeline/Dev/Data" not in text
    assert "stacks the pipeline deploys (Pipeline/Dev, Pipeline/Prod, Pipeline/Staging)" in text
