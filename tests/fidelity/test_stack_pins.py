"""The stacks the fidelity tests install are the images' own pins (inference_code/framework.py)."""
from __future__ import annotations

import json
import subprocess

import pytest

from inference_code.framework import IMAGE_PINS
from tools.serving_stacks import STACKS, pin_drift, requirement_pins

STACK_FIXTURES = {"sklearn-1.2-1": "sklearn_stack", "xgboost-3.0-5": "xgboost_stack"}


def installed_versions(python) -> tuple[str, dict[str, str]]:
    script = (
        "import json, sys, importlib.metadata as m;"
        "print(json.dumps(['%d.%d' % sys.version_info[:2], {d.metadata['Name'].lower().replace('_', '-'): d.version "
        "for d in m.distributions()}]))"
    )
    output = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True, timeout=60).stdout
    version, dists = json.loads(output)
    return version, dists


def test_every_declared_image_has_a_stack():
    assert {(stack.framework, stack.version) for stack in STACKS.values()} == set(IMAGE_PINS)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_requirements_and_installed_stack_match_the_image_pins(request, name):
    stack = STACKS[name]
    python = request.getfixturevalue(STACK_FIXTURES[name])
    python_version, installed = installed_versions(python)
    problems = pin_drift(IMAGE_PINS[(stack.framework, stack.version)], requirement_pins(stack.requirements),
                         installed, python_version)
    assert problems == []


def test_fails_when_a_declared_pin_drifts_from_the_stack():
    declared = {"python": "3.9", "sagemaker-inference": "1.2.0", "numpy": "1.24.1"}
    problems = pin_drift(declared, {"sagemaker-inference": "1.10.1", "numpy": "1.24.1"},
                         {"sagemaker-inference": "1.10.1", "numpy": "1.26.4"}, "3.11")
    assert problems == [
        "Python: the image runs 3.9, the stack 3.11",
        "sagemaker-inference: the image pins 1.2.0, the requirements file 1.10.1",
        "sagemaker-inference: the image pins 1.2.0, the stack has 1.10.1",
        "numpy: the image pins 1.24.1, the stack has 1.26.4",
    ]
