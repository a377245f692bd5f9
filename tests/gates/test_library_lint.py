"""The construct library's habits gate: ruff lint, ruff format and mypy --strict are clean, the gate fails on a
bad file, and the pre-commit hook runs the same checks."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from tools.lint_library import CHECKS, LIBRARY, PROJECT_ROOT, run_checks

# Each line breaks exactly one check: an unused import (lint), odd spacing (format), a missing annotation
# and a str returned as int (strict typing).
BAD_MODULE = '''import os

def parse(value) :
    return value


def count() -> int:
    return "three"
'''


def report(results) -> str:
    return "\n".join(f"--- {name}\n{r.stdout}{r.stderr}" for name, r in results.items())


def test_library_is_clean():
    results = run_checks()
    assert all(r.returncode == 0 for r in results.values()), report(results)


@pytest.fixture(scope="module")
def bad_copy(tmp_path_factory):
    """A copy of the library holding one bad module (the real library is never touched)."""
    copy = tmp_path_factory.mktemp("library") / LIBRARY.name
    shutil.copytree(LIBRARY, copy, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", ".*_cache"))
    (copy / "src" / "sagemaker_serving_cdk" / "bad_module.py").write_text(BAD_MODULE)
    return copy


@pytest.fixture(scope="module")
def bad_copy_results(bad_copy):
    return run_checks(bad_copy)


@pytest.mark.parametrize("check, finding", [
    ("ruff check", "F401"),  # `os` imported but unused
    ("ruff format", "File would be reformatted"),
    ("mypy --strict", 'Incompatible return value type (got "str", expected "int")'),
    ("mypy --strict", "Function is missing a type annotation"),
])
def test_gate_fails_on_a_bad_file(bad_copy_results, check, finding):
    result = bad_copy_results[check]
    assert result.returncode != 0
    assert "bad_module.py" in result.stdout + result.stderr
    assert finding in result.stdout + result.stderr


def test_cli_fails_naming_the_failed_checks(bad_copy):
    """What `make lint` and the pre-commit hook run: exit 1 and the failed checks named."""
    done = subprocess.run([sys.executable, "-m", "tools.lint_library", str(bad_copy)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert f"error: {', '.join(CHECKS)} failed" in done.stderr


def test_pre_commit_runs_the_same_checks():
    config_file = PROJECT_ROOT / ".pre-commit-config.yaml"
    validated = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config_file)],
                               cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    hooks = [hook for repo in yaml.safe_load(config_file.read_text())["repos"] for hook in repo["hooks"]]
    entries = {hook["entry"] for hook in hooks}
    assert entries == {f".venv/bin/python -m tools.lint_library {LIBRARY.relative_to(PROJECT_ROOT)}"}
    (hook,) = hooks
    assert hook["language"] == "system" and hook["pass_filenames"] is False  # the whole library, like the gate
