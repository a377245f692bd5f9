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
    assert len(templates) >= 3, templates
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
