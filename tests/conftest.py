"""Session-wide fixtures: every stage is synthesized once per test session and shared (jsii is slow to boot)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App, Stack

from config import ENVIRONMENTS, EnvironmentConfig, load_environments
from stacks.application import PROJECT_ROOT, build_app, cdk_context
from stacks.stage import InferenceStage

# Dev serves the packaged demo model as a file asset (config/environments.py); `make test` builds it first.
DEMO_MODEL = PROJECT_ROOT / "build" / "demo-model.tar.gz"


@dataclass
class SynthesizedApp:
    app: App
    stages: dict[str, InferenceStage]
    outdir: Path

    def templates(self) -> dict[str, dict]:
        """Every stack template keyed by its artifact path, e.g. `Dev/Data`."""
        return {
            f"{stage_id}/{stack.node.id}": load_template(self.outdir, stack)
            for stage_id, stage in self.stages.items()
            for stack in stage.node.children
            if isinstance(stack, Stack)
        }

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("assembly-*/*.template.json"))


def load_template(outdir: Path, stack: Stack) -> dict:
    stage = stack.node.scope
    return json.loads((outdir / f"assembly-{stage.node.id}" / stack.template_file).read_text())


@pytest.fixture(scope="session")
def environments() -> dict[str, EnvironmentConfig]:
    return {env.name: env for env in load_environments(ENVIRONMENTS)}


@pytest.fixture(scope="session")
def synthesized(environments, tmp_path_factory) -> SynthesizedApp:
    """The real app, compliance checks registered, synthesized once. A nag finding fails this fixture."""
    if not DEMO_MODEL.is_file():
        pytest.fail(
            f"{DEMO_MODEL.relative_to(PROJECT_ROOT)} is missing: Dev's endpoint serves it. Build it with "
            "`make build/demo-model.tar.gz` (or run the tests through `make test`)",
            pytrace=False,
        )
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stages = build_app(environments.values(), outdir=str(outdir))
    app.synth()
    return SynthesizedApp(app=app, stages={s.node.id: s for s in stages}, outdir=outdir)


@pytest.fixture
def bare_stack() -> Stack:
    """A fresh stack in its own app, for testing one construct in isolation."""
    app = App(context=cdk_context())
    return Stack(app, "Test", env={"account": "123456789012", "region": "us-east-1"})
