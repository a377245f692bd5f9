"""Template snapshots: the PR-diff guard. A change to any template shows up as a diff of
tests/gates/__snapshots__/test_snapshots/*.json next to the code that caused it.

Refresh with `make snapshot` after reviewing that the template change is the one you meant; `make diff`
shows it the way `cdk diff` would. Nothing is masked: every asset is byte-reproducible on any machine
(tests/gates/test_reproducibility.py), so a changed handler or model shows up as a changed asset hash.
One snapshot per configured environment, plus one for the Pipeline.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.environments import STAGE_IDS

SNAPSHOT_DIR = Path(__file__).parent / "__snapshots__" / "test_snapshots"


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def stage_templates(synthesized, stage: str) -> dict:
    return {name: t for name, t in synthesized.templates().items() if name.startswith(f"{stage}/")}


@pytest.mark.parametrize("stage", STAGE_IDS)
def test_stage_templates_match_snapshot(synthesized, snapshot_json, stage):
    assert stage_templates(synthesized, stage) == snapshot_json, "review the change with `make diff`"


def test_pipeline_template_matches_snapshot(synthesized, snapshot_json):
    """The Pipeline stack and its cross-region support stack (the stages it deploys are the snapshots above)."""
    templates = synthesized.templates()
    assert {name: templates[name] for name in sorted(templates) if "/" not in name} == snapshot_json, \
        "review the change with `make diff`"


def test_every_configured_stage_has_a_snapshot_and_no_other_does():
    stored = sorted(path.name for path in SNAPSHOT_DIR.glob("test_stage_templates_match_snapshot[[]*[]].json"))
    assert stored == sorted(f"test_stage_templates_match_snapshot[{stage}].json" for stage in STAGE_IDS)


@pytest.mark.parametrize("stage", STAGE_IDS[:1])
def test_snapshot_gate_detects_a_changed_template(synthesized, stage):
    stored = json.loads((SNAPSHOT_DIR / f"test_stage_templates_match_snapshot[{stage}].json").read_text())
    current = stage_templates(synthesized, stage)
    assert current == stored
    changed = copy.deepcopy(current)
    bucket = next(r for r in changed[f"{stage}/Data"]["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
    bucket["Properties"]["VersioningConfiguration"]["Status"] = "Suspended"
    assert changed != stored
