"""bench-synth's baseline is the true floor: the app `cdk init` writes, importing nothing of ours."""

from __future__ import annotations

import ast

from paths import PROJECT_ROOT


def floor_app() -> str:
    """The FLOOR_APP source bench/bench_synth.py runs (read, not imported: the bench is a script)."""
    tree = ast.parse((PROJECT_ROOT / "bench" / "bench_synth.py").read_text())
    (value,) = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["FLOOR_APP"]]
    return value


def top_level_imports(source: str) -> set[str]:
    tree = ast.parse(source)
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def test_floor_imports_only_the_cdk():
    assert top_level_imports(floor_app()) == {"aws_cdk", "constructs"}


def test_fails_on_a_floor_that_imports_our_modules():
    assert top_level_imports(floor_app() + "\nfrom stacks.application import cdk_context\n") != {
        "aws_cdk", "constructs"}
