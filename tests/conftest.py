"""Session-wide fixtures: the whole app (stages and the Pipeline stack) is synthesized once per test session
and shared (jsii is slow to boot)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Stage

from config import (
    ENVIRONMENTS, PIPELINE, EnvironmentConfig, PipelineSettings, load_environments, load_pipeline_settings,
)
from stacks.application import PIPELINE_STACK_ID, PROJECT_ROOT, build_app, cdk_context
from stacks.pipeline_stack import PipelineStack
from stacks.stage import InferenceStage

# Dev serves the packaged demo model as a file asset (config/environment_values.py); `make test` builds it first.
DEMO_MODEL = PROJECT_ROOT / "build" / "demo-model.tar.gz"


@dataclass
class SynthesizedApp:
    app: App
    stages: dict[str, InferenceStage]
    pipeline: PipelineStack
    outdir: Path

    def templates(self) -> dict[str, dict]:
        """Every template of the top-level stages and top-level stacks, keyed by artifact path: `Dev/Data`,
        `Pipeline`, and the cross-region support stack CDK Pipelines adds for a stage in another region.
        (The pipeline deploys these same stages; see pipeline_template_files.)"""
        templates = {
            f"{stage_id}/{stack.node.id}": load_template(self.outdir, stack)
            for stage_id, stage in self.stages.items()
            for stack in stage.node.children
            if isinstance(stack, Stack)
        }
        templates.update({stack.node.id: load_template(self.outdir, stack) for stack in self.top_level_stacks()})
        return templates

    def top_level_stacks(self) -> list[Stack]:
        return [child for child in self.app.node.children if isinstance(child, Stack)]

    def stage_template_files(self) -> dict[str, Path]:
        """The template file of every stack in the top-level stages, keyed by stack name (`Dev-Data`)."""
        return {stack.stack_name: Path(Stage.of(stack).outdir) / stack.template_file
                for stage in self.stages.values() for stack in stage.node.children if isinstance(stack, Stack)}

    def pipeline_template_files(self) -> dict[str, Path]:
        """The template file each of the pipeline's CloudFormation deploy actions deploys, keyed by stack name
        (`Dev-Data`): read from the Pipeline template, resolved inside this assembly."""
        (pipeline,) = [r for r in self.templates()["Pipeline"]["Resources"].values()
                       if r["Type"] == "AWS::CodePipeline::Pipeline"]
        files = {}
        for stage in pipeline["Properties"]["Stages"]:
            for action in stage["Actions"]:
                configuration = action.get("Configuration", {})
                if action["ActionTypeId"]["Provider"] == "CloudFormation" and "TemplatePath" in configuration:
                    _, path = configuration["TemplatePath"].split("::", 1)  # `<artifact>::<path in cdk.out>`
                    files[configuration["StackName"]] = self.outdir / path
        return files

    def template_files(self) -> list[Path]:
        """Every template in the assembly: top-level stacks and every nested stage assembly."""
        return sorted([*self.outdir.glob("*.template.json"), *self.outdir.glob("assembly-*/*.template.json")])


def load_template(outdir: Path, stack: Stack) -> dict:
    """A stack's template from the assembly; stacks inside a Stage live in that stage's nested assembly."""
    directory = Path(Stage.of(stack).outdir)
    assert directory.resolve().is_relative_to(outdir.resolve()), (directory, outdir)
    return json.loads((directory / stack.template_file).read_text())


@pytest.fixture(scope="session")
def environments() -> dict[str, EnvironmentConfig]:
    return {env.name: env for env in load_environments(ENVIRONMENTS)}


@pytest.fixture(scope="session")
def pipeline_settings(environments) -> PipelineSettings:
    return load_pipeline_settings(PIPELINE, environment_names=list(environments))


@pytest.fixture(scope="session")
def synthesized(environments, pipeline_settings, tmp_path_factory) -> SynthesizedApp:
    """The real app, compliance checks registered, synthesized once. A nag finding fails this fixture."""
    if not DEMO_MODEL.is_file():
        pytest.fail(
            f"{DEMO_MODEL.relative_to(PROJECT_ROOT)} is missing: Dev's endpoint serves it. Build it with "
            "`make build/demo-model.tar.gz` (or run the tests through `make test`)",
            pytrace=False,
        )
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stages = build_app(environments.values(), pipeline=pipeline_settings, outdir=str(outdir))
    app.synth()
    pipeline = app.node.find_child(PIPELINE_STACK_ID)
    return SynthesizedApp(app=app, stages={s.node.id: s for s in stages}, pipeline=pipeline, outdir=outdir)


@pytest.fixture
def bare_stack() -> Stack:
    """A fresh stack in its own app, for testing one construct in isolation."""
    app = App(context=cdk_context())
    return Stack(app, "Test", env={"account": "123456789012", "region": "us-east-1"})
