"""config/ imports only the library's pure rules (and generated data), never its constructs, ml_constructs or stacks:
validation must not boot jsii, and data flows one way (values -> schema -> adapter -> props)."""

import ast
from pathlib import Path

from paths import PROJECT_ROOT

ALLOWED_LIBRARY = ("sagemaker_serving_cdk.rules", "sagemaker_serving_cdk._data")
FORBIDDEN = ("ml_constructs", "stacks", "aws_cdk", "constructs", "sagemaker_serving_cdk")


def forbidden_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        found += [n for n in names if n.split(".")[0] in FORBIDDEN and not n.startswith(ALLOWED_LIBRARY)]
    return found


def test_config_imports_only_the_library_rules():
    found = {str(p.relative_to(PROJECT_ROOT)): bad for p in sorted((PROJECT_ROOT / "config").rglob("*.py"))
             if (bad := forbidden_imports(p.read_text(encoding="utf-8")))}
    assert found == {}


def test_fails_on_an_import_of_a_construct_module():
    assert forbidden_imports("from sagemaker_serving_cdk.endpoint import Endpoint\nimport ml_constructs.model") == [
        "sagemaker_serving_cdk.endpoint", "ml_constructs.model"]
    assert forbidden_imports("from sagemaker_serving_cdk.rules.scaling import x") == []


def botocore_imports(source: str) -> bool:
    return any(n.split(".")[0] == "botocore" for node in ast.walk(ast.parse(source))
               for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else []))


def test_only_the_region_list_reads_botocore():
    # The API's enums (AMI versions, instance types) come generated with the library's rules; only the region list
    # (config/regions.py, imported when asked) reads botocore's data at synth.
    found = sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "config").rglob("*.py")
                   if botocore_imports(p.read_text(encoding="utf-8")))
    assert found == ["config/regions.py"]


def test_fails_on_a_botocore_import():
    assert botocore_imports("def f():\n    import botocore.session\n")
    assert not botocore_imports("# generated from botocore\nimport json\n")
