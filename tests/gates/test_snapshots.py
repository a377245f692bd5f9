"""Template snapshots: the PR-diff guard. A change to any template shows up as a diff of
tests/gates/__snapshots__/test_snapshots/*.json next to the code that caused it.

Refresh with `make snapshot` after reviewing that the template change is the one you meant.
Asset hashes are masked: the demo model's bytes depend on the machine's BLAS build, and a snapshot
must not fail on a machine that computes the same model a few ulps apart.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

STAGES = ["Dev", "Staging", "Prod"]
SNAPSHOT_DIR = Path(__file__).parent / "__snapshots__" / "test_snapshots"


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def stage_templates(synthesized, stage: str) -> dict:
    templates = {name: t for name, t in synthesized.templates().items() if name.startswith(f"{stage}/")}
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(templates)))


@pytest.mark.parametrize("stage", STAGES)
def test_stage_templates_match_snapshot(synthesized, snapshot_json, stage):
    assert stage_templates(synthesized, stage) == snapshot_json


def test_pipeline_template_matches_snapshot(synthesized, snapshot_json):
    """The Pipeline stack and its cross-region support stack (the stages it deploys are the snapshots above)."""
    templates = synthesized.templates()
    assert {name: templates[name] for name in sorted(templates) if "/" not in name} == snapshot_json


def test_snapshot_gate_detects_a_changed_template(synthesized):
    stored = json.loads((SNAPSHOT_DIR / "test_stage_templates_match_snapshot[Dev].json").read_text())
    current = stage_templates(synthesized, "Dev")
    assert current == stored
    changed = copy.deepcopy(current)
    bucket = next(r for r in changed["Dev/Data"]["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
    bucket["Properties"]["VersioningConfiguration"]["Status"] = "Suspended"
    assert changed != stored
