"""Rules are pure: importing them loads neither aws_cdk nor jsii (config validation must not boot Node)."""

import subprocess
import sys

from sagemaker_serving_cdk.rules.problems import Problem, describe


def test_problem_names_field_value_and_what_is_allowed():
    problem = Problem("instance_type", "ml.m5.huge", "large, xlarge", "no such size")
    assert str(problem) == "instance_type = 'ml.m5.huge': no such size; allowed: large, xlarge"
    assert describe([problem, problem], "variant 'a': ").count("variant 'a': instance_type") == 2


def test_fails_if_a_rule_module_imports_the_cdk():
    code = (
        "import sys, pkgutil, importlib, sagemaker_serving_cdk.rules as r\n"
        "[importlib.import_module(f'{r.__name__}.{m.name}') for m in pkgutil.iter_modules(r.__path__)]\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
