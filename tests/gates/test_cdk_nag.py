"""cdk-nag gate: zero unacknowledged findings on every stage, and proof that the gate can fail.

Under cdk-nag 3.x findings are validation-plugin violations, not annotations: Annotations.find_error finds
nothing, so these tests use pack.validate_scope (and the registered app's synth) instead.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_s3 as s3

from config import ENVIRONMENTS, PIPELINE, load_environments, load_pipeline_settings
from stacks.application import PIPELINE_STACK_ID, build_app, cdk_context
from stacks import pipeline_stack
from stacks.compliance import compliance_packs

from tests.environments import STAGE_IDS as STAGES
# Top-level stacks besides the stages: the Pipeline and the support stack CDK Pipelines adds for Prod's region.
TOP_LEVEL = ["Pipeline", "cross-region-stack-444444444444:us-west-2"]
PACKS = ["AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"]


def violations_of(pack, scope) -> list[str]:
    report = pack.validate_scope(scope)
    return [
        f"{v.rule_name}: {resource.resource_logical_id} in {resource.template_path}"
        for v in report.violations
        for resource in v.violating_resources
    ]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("pack_index", range(len(PACKS)), ids=PACKS)
def test_stage_has_no_unacknowledged_findings(synthesized, stage, pack_index):
    scope = synthesized.stages[stage]
    pack = compliance_packs(scope)[pack_index]
    assert violations_of(pack, scope) == []


@pytest.mark.parametrize("stack_id", TOP_LEVEL)
@pytest.mark.parametrize("pack_index", range(len(PACKS)), ids=PACKS)
def test_top_level_stack_has_no_unacknowledged_findings(synthesized, stack_id, pack_index):
    scope = synthesized.app.node.find_child(stack_id)
    pack = compliance_packs(scope)[pack_index]
    assert violations_of(pack, scope) == []


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("pack_index", range(len(PACKS)), ids=PACKS)
def test_pipeline_stage_has_no_unacknowledged_findings(synthesized, stage, pack_index):
    scope = synthesized.pipeline.node.find_child(stage)
    pack = compliance_packs(scope)[pack_index]
    assert violations_of(pack, scope) == []


def test_every_top_level_stack_is_checked(synthesized):
    assert sorted(stack.node.id for stack in synthesized.top_level_stacks()) == sorted(TOP_LEVEL)


def test_gate_fails_on_a_non_compliant_bucket():
    stack = Stack(App(context=cdk_context()), "NonCompliant")
    s3.Bucket(stack, "PlainBucket")  # no KMS, no TLS-only policy, no logs, no versioning
    aws_solutions, hipaa, nist = compliance_packs(stack)
    found = violations_of(aws_solutions, stack) + violations_of(nist, stack)
    assert any("S1" in v for v in found), found  # server access logs
    assert any("S10" in v for v in found), found  # TLS only
    assert any("S3DefaultEncryptionKMS" in v for v in found), found


def test_registered_checks_make_synth_fail_inside_a_stage(tmp_path):
    """The packs are registered on the app; they must reach stacks nested in a Stage."""
    app, stages = build_app(load_environments(ENVIRONMENTS), outdir=str(tmp_path))
    s3.Bucket(stages[0].data, "PlainBucket")
    with pytest.raises(Exception, match=r"ValidationFailed(.|\n)*AwsSolutions-S1"):
        app.synth()
    assert (tmp_path / "validation-report.json").exists()


def test_registered_checks_make_synth_fail_inside_a_pipeline_stage(tmp_path, monkeypatch):
    """The stages the pipeline deploys are nested in the Pipeline stack; the app's packs must reach them too.
    (The pipeline synthesizes its stages when it is built, so the bucket goes in while the stage is made.)"""
    original = pipeline_stack.add_smoke_test_access

    def with_a_plain_bucket(stage, **kwargs):
        if stage.node.scope.node.id == PIPELINE_STACK_ID and stage.node.id == STAGES[-1]:
            s3.Bucket(stage.data, "PlainBucket")
        return original(stage, **kwargs)

    monkeypatch.setattr(pipeline_stack, "add_smoke_test_access", with_a_plain_bucket)
    app, _ = build_app(load_environments(ENVIRONMENTS), pipeline=load_pipeline_settings(PIPELINE),
                       outdir=str(tmp_path))
    with pytest.raises(Exception, match=r"ValidationFailed(.|\n)*Pipeline/" + STAGES[-1] + "/Data/PlainBucket"):
        app.synth()
