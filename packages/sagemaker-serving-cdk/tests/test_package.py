"""The library stands alone: it imports nothing of the app, and `pip install` of its directory works.

PENDING_RULE_MODULES are the app's pure rule modules the library still imports until they move into the
library (issue 14, deliverable 4, done on another branch); once they have moved this tuple is emptied, and the
tests below are strict: no app module at all, and the installed copy imports with nothing of the repository on
the path.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SOURCE = PACKAGE_DIR / "src" / "sagemaker_serving_cdk"
REPO = PACKAGE_DIR.parents[1]
APP_PACKAGES = ("config", "stacks", "tools", "inference_code", "ml_constructs", "tests", "app", "bench", "examples")
PENDING_RULE_MODULES: tuple[str, ...] = ()  # every rule module lives in sagemaker_serving_cdk.rules now

# Loads every public name, then prints the top-level app packages that ended up in sys.modules.
PROBE = f"""
import json, sys
import sagemaker_serving_cdk as lib
for name in lib.__all__:
    getattr(lib, name)
app = {APP_PACKAGES!r}
print(json.dumps({{"file": lib.__file__,
                  "app": sorted(m for m in sys.modules if m.split(".")[0] in app)}}))
"""


def probe(python: str, cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if PENDING_RULE_MODULES:
        env["PYTHONPATH"] = str(REPO)  # only for the pending modules; the check below allows nothing else
    result = subprocess.run([python, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def app_imports_in(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
        found += [n for n in names if n.split(".")[0] in APP_PACKAGES and n not in PENDING_RULE_MODULES]
    return found


def test_no_source_file_imports_the_app():
    offenders = {
        str(path.relative_to(SOURCE)): imports
        for path in sorted(SOURCE.rglob("*.py"))
        if (imports := app_imports_in(ast.parse(path.read_text())))
    }
    assert offenders == {}


def test_fails_on_an_app_import():
    """The check above can fail."""
    assert app_imports_in(ast.parse("from config.serving import EndpointSettings\nimport stacks.adapter")) == [
        "config.serving",
        "stacks.adapter",
    ]


def test_importing_every_public_name_loads_no_app_module(tmp_path):
    loaded = probe(sys.executable, tmp_path)
    assert set(loaded["app"]) <= set(PENDING_RULE_MODULES), loaded["app"]


def test_pip_install_into_a_fresh_venv_and_import_from_outside_the_repo(tmp_path):
    """`pip install ./packages/sagemaker-serving-cdk` into a fresh venv. pip builds it in isolation (it fetches
    setuptools from the package index); the venv sees this project's installed aws-cdk-lib through a path file,
    so no dependency is downloaded."""
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = str(target / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project_site = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "aws_cdk").is_dir())
    Path(site, "project-dependencies.pth").write_text(project_site + "\n")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", str(PACKAGE_DIR)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if (
        install.returncode != 0
        and "Could not find a version that satisfies the requirement setuptools" in install.stderr
    ):
        pytest.skip("no package index reachable to fetch the build backend (setuptools)")
    assert install.returncode == 0, install.stderr
    loaded = probe(python, tmp_path)
    assert Path(loaded["file"]).is_relative_to(site), loaded["file"]  # the installed copy, not the repo's
    assert Path(site, "sagemaker_serving_cdk", "py.typed").is_file()
    assert set(loaded["app"]) <= set(PENDING_RULE_MODULES), loaded["app"]


def test_the_lazy_export_table_matches_each_module_s_public_names():
    """`__init__` lists the public names per module so that importing the package boots no jsii; a module that
    declares `__all__` must declare exactly what the table exports from it."""
    import importlib

    import sagemaker_serving_cdk as lib

    for module_name, names in lib._EXPORTS.items():
        module = importlib.import_module(f"sagemaker_serving_cdk.{module_name}")
        for name in names:
            assert hasattr(module, name), f"{module_name} has no {name}"
        declared = getattr(module, "__all__", None)
        if declared is not None:
            assert sorted(declared) == sorted(names), module_name
