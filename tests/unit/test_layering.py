"""Layering between the app's config and the construct library: config may use the library's pure rules
(`sagemaker_serving_cdk.rules`) but none of its construct modules, so validating config never builds (or even
imports) CDK constructs. The other direction is tested by the library itself (its tests/test_package.py)."""

from __future__ import annotations

import ast
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "config"
ALLOWED_LIBRARY_MODULES = ("sagemaker_serving_cdk.rules",)


def construct_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        found += [n for n in names if (n.split(".")[0] in ("sagemaker_serving_cdk", "stacks", "aws_cdk")
                                       and not n.startswith(ALLOWED_LIBRARY_MODULES))]
    return found


def test_config_imports_no_construct_module():
    offenders = {path.name: found for path in sorted(CONFIG.glob("*.py"))
                 if (found := construct_imports(path.read_text()))}
    assert offenders == {}


def test_fails_when_config_imports_a_construct():
    assert construct_imports("from sagemaker_serving_cdk.endpoint import Endpoint\n"
                             "from sagemaker_serving_cdk.rules.scaling import problems\nimport stacks.adapter") == [
        "sagemaker_serving_cdk.endpoint", "stacks.adapter"]
