"""Builds the whole CDK app from validated configs: app.py and the tests share this one function."""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from aws_cdk import App

from config import EnvironmentConfig
from stacks.compliance import register_compliance_checks
from stacks.paths import PROJECT_ROOT
from stacks.stage import InferenceStage

__all__ = ["PROJECT_ROOT", "build_app", "cdk_context"]


def cdk_context() -> dict[str, Any]:
    """The feature flags in cdk.json, so an App built outside the CLI (tests, benchmarks) behaves the same."""
    return json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


def build_app(
    environments: Iterable[EnvironmentConfig],
    *,
    outdir: Optional[str] = None,
    compliance_checks: bool = True,
) -> tuple[App, list[InferenceStage]]:
    # cdk.json's flags always apply, also when the app runs outside the CLI (`python app.py`, tests);
    # context the CLI passes still takes precedence.
    app = App(outdir=outdir, context=cdk_context())
    stages = [InferenceStage(app, config=config) for config in environments]
    if compliance_checks:
        register_compliance_checks(app)
    return app, stages
