"""cfn-lint gate: zero errors on every synthesized template, and proof that the gate can fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means it crashed.
CRASHED, ERRORS = 1, 2
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def cfn_lint(paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *map(str, paths)],
        capture_output=True, text=True, timeout=600,
    )


def test_every_template_lints_without_errors(synthesized):
    templates = synthesized.template_files()
    # every stage's stacks once (the pipeline deploys those same files), the Pipeline and its cross-region stack
    assert len(templates) == len(synthesized.templates()), templates
    assert {path.name for path in templates} >= {"Pipeline.template.json"}
    result = cfn_lint(templates)
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert result.returncode & (CRASHED | ERRORS) == 0 and errors == [], result.stdout + result.stderr


def test_gate_fails_on_a_broken_template(tmp_path):
    broken = tmp_path / "Broken.template.json"
    broken.write_text(json.dumps({"Resources": {"Endpoint": {
        "Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": {"Ref": "Missing"}}}}}))
    result = cfn_lint([broken])
    assert not result.returncode & CRASHED, result.stderr
    assert result.returncode & ERRORS
    assert "Missing" in result.stdout


def test_pipeline_ignores_only_the_mislabelled_role_arn_check(synthesized):
    """The Pipeline resource ignores E3703 (see stacks/pipeline_stack.py), and nothing else ignores a check."""
    ignored = {
        (stack, logical_id): resource["Metadata"]["cfn-lint"]["config"]["ignore_checks"]
        for stack, template in synthesized.templates().items()
        for logical_id, resource in template.get("Resources", {}).items()
        if "cfn-lint" in resource.get("Metadata", {})
    }
    assert list(ignored.values()) == [["E3703"]], ignored
    (stack, logical_id), = ignored
    assert stack == "Pipeline" and synthesized.templates()[stack]["Resources"][logical_id]["Type"] == \
        "AWS::CodePipeline::Pipeline"


def test_e3703_still_mislabels_a_partition_join(tmp_path):
    """Why the ignore exists. When this fails, cfn-lint has fixed it: drop the ignore from the Pipeline stack."""
    role_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:role/deploy"]]}
    template = tmp_path / "Pipeline.template.json"
    template.write_text(json.dumps({"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
        "RoleArn": "arn:aws:iam::111111111111:role/pipeline",
        "ArtifactStore": {"Type": "S3", "Location": "bucket"},
        "Stages": [
            {"Name": "Source", "Actions": [{
                "Name": "Source", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1"},
                "Configuration": {"S3Bucket": "bucket", "S3ObjectKey": "key"}, "OutputArtifacts": [{"Name": "src"}]}]},
            {"Name": "Deploy", "Actions": [{
                "Name": "Deploy", "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation", "Version": "1"},
                "Configuration": {"ActionMode": "CREATE_UPDATE", "StackName": "s", "TemplatePath": "src::t.json", "RoleArn": role_arn},
                "InputArtifacts": [{"Name": "src"}]}]},
        ]}}}}))
    result = cfn_lint([template])
    assert "E3703" in result.stdout and "Fn::Sub" in result.stdout, result.stdout
