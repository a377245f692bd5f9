"""cdk-nag gate: zero unacknowledged findings on every stage, and proof that the gate can fail.

Under cdk-nag 3.x findings are validation-plugin violations, not annotations: Annotations.find_error finds
nothing, so these tests use pack.validate_scope (and the registered app's synth) instead.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack, aws_s3 as s3

from config import ENVIRONMENTS, PIPELINE, load_environments, load_pipeline_settings
from stacks.application import PIPELINE_STACK_ID, build_app, cdk_context
from stacks import application
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


def test_every_template_the_pipeline_deploys_is_checked(synthesized):
    """The packs check the top-level stages (above); the pipeline deploys exactly their templates, no copy."""
    checked = {path.resolve() for path in synthesized.stage_template_files().values()}
    deployed = {path.resolve() for path in synthesized.pipeline_template_files().values()}
    assert deployed and deployed <= checked, sorted(map(str, deployed - checked))


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


def test_registered_checks_make_synth_fail_inside_a_stage_the_pipeline_deploys(tmp_path, monkeypatch):
    """A finding in a stage the pipeline deploys fails synth. The pipeline synthesizes its stages while it is
    built, so the bucket goes in while the stage is made (when build_app adds its smoke-test access), and it
    must reach the template the pipeline's deploy action names."""
    original = application.add_smoke_test_access
    last = STAGES[-1]

    def with_a_plain_bucket(stage, **kwargs):
        if stage.node.id == last:
            s3.Bucket(stage.data, "PlainBucket")
        return original(stage, **kwargs)

    monkeypatch.setattr(application, "add_smoke_test_access", with_a_plain_bucket)
    app, _ = build_app(load_environments(ENVIRONMENTS), pipeline=load_pipeline_settings(PIPELINE),
                       outdir=str(tmp_path))
    pipeline = app.node.find_child(PIPELINE_STACK_ID)
    (stage,) = [s for s in pipeline.stages if s.node.id == last]
    assert "PlainBucket" in json.dumps(stage.synth().get_stack_by_name(stage.data.stack_name).template)
    with pytest.raises(Exception, match=r"ValidationFailed(.|\n)*" + last + "/Data/PlainBucket"):
        app.synth()
