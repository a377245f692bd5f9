"""Builds the whole CDK app from validated configs: app.py and the tests share this one function."""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from aws_cdk import App

from config import EnvironmentConfig, PipelineSettings
from stacks.compliance import register_compliance_checks
from paths import PROJECT_ROOT
from stacks.pipeline_stack import PipelineStack, add_smoke_test_access
from stacks.stage import InferenceStage

__all__ = ["PROJECT_ROOT", "PIPELINE_STACK_ID", "build_app", "cdk_context"]

PIPELINE_STACK_ID = "Pipeline"


def cdk_context() -> dict[str, Any]:
    """The feature flags in cdk.json, so an App built outside the CLI (tests, benchmarks) behaves the same."""
    return json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


def build_app(
    environments: Iterable[EnvironmentConfig],
    *,
    pipeline: Optional[PipelineSettings] = None,
    outdir: Optional[str] = None,
    compliance_checks: bool = True,
) -> tuple[App, list[InferenceStage]]:
    """One top-level stage per environment (`cdk deploy 'Dev/*'` from a workstation) and, given
    `pipeline` settings, the top-level Pipeline stack deploying those same stage objects. The Pipeline stack
    is then reachable as `app.node.find_child("Pipeline")`. Default: no pipeline.

    With a pipeline, the stages are synthesized while the pipeline is built: anything added to them after
    build_app returns does not reach their templates."""
    environments = list(environments)
    # cdk.json's flags always apply, also when the app runs outside the CLI (`python app.py`, tests);
    # context the CLI passes still takes precedence.
    app = App(outdir=outdir, context=cdk_context())
    stages = [InferenceStage(app, config=config) for config in environments]
    if pipeline is not None:
        for stage in stages:
            add_smoke_test_access(stage, tooling_account=pipeline.account)
        PipelineStack(app, PIPELINE_STACK_ID, settings=pipeline, stages=stages,
                      description="CDK Pipelines: source, synth and tests, Dev, Staging, approval, Prod")
    if compliance_checks:
        register_compliance_checks(app)
    return app, stages
