"""cdk-nag gate: zero unacknowledged findings on every stage, and proof that the gate can fail.

Under cdk-nag 3.x findings are validation-plugin violations, not annotations: Annotations.find_error finds
nothing, so these tests use pack.validate_scope (and the registered app's synth) instead.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_s3 as s3

from config import ENVIRONMENTS, load_environments
from stacks.application import build_app, cdk_context
from stacks.compliance import compliance_packs

STAGES = ["Dev", "Staging", "Prod"]
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
