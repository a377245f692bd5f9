"""The training environment must match the framework container that loads the pickled model."""
from __future__ import annotations

import ast
import re
import sys

import numpy as np
import sklearn

from inference_code import framework
from tools.package_model import REPO_ROOT


def dev_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "requirements-dev.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s#]+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_installed_sklearn_matches_the_serving_container():
    assert framework.SKLEARN_FRAMEWORK_VERSION == "1.2-1"
    assert sklearn.__version__ == framework.SKLEARN_VERSION


def test_requirements_pin_the_container_versions():
    pins = dev_pins()
    assert pins["scikit-learn"] == framework.SKLEARN_VERSION
    assert pins["xgboost-cpu"] == framework.XGBOOST_VERSION
    assert int(pins["numpy"].split(".")[0]) < 2


def test_numpy_is_1x_so_pickles_load_in_the_container():
    # numpy 2 pickles reference numpy._core, which the image's numpy 1.x cannot import.
    assert int(np.__version__.split(".")[0]) == 1


def test_installed_xgboost_matches_its_pin():
    import xgboost

    assert xgboost.__version__ == framework.XGBOOST_VERSION


def test_handler_parses_as_the_container_python():
    """The 1.2-1 image runs Python 3.9: no match statements, no 3.10+ syntax in inference.py."""
    source = (REPO_ROOT / "inference_code" / "inference.py").read_text()
    ast.parse(source, feature_version=framework.SKLEARN_CONTAINER_PYTHON)
    assert "match " not in {line.strip()[:6] for line in source.splitlines()}


def test_handler_imports_only_what_the_images_ship():
    source = (REPO_ROOT / "inference_code" / "inference.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    # flask only on the sklearn image's Flask path; xgboost only for xgboost-model.
    assert imported - set(sys.stdlib_module_names) == {"numpy", "joblib", "sagemaker_inference", "xgboost", "flask"}


def test_code_requirements_install_nothing():
    lines = (REPO_ROOT / "inference_code" / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if line.strip() and not line.lstrip().startswith("#")] == []


def test_image_pins_agree_with_the_handler_constants():
    """framework.py states each image twice (constants for the app, IMAGE_PINS for the fidelity stacks)."""
    sklearn_image = framework.IMAGE_PINS[("sklearn", framework.SKLEARN_FRAMEWORK_VERSION)]
    xgboost_image = framework.IMAGE_PINS[("xgboost", framework.XGBOOST_FRAMEWORK_VERSION)]
    assert sklearn_image["scikit-learn"] == framework.SKLEARN_VERSION
    assert sklearn_image["python"] == "%d.%d" % framework.SKLEARN_CONTAINER_PYTHON
    assert xgboost_image["xgboost-cpu"] == framework.XGBOOST_VERSION
    assert xgboost_image["python"] == "%d.%d" % framework.XGBOOST_CONTAINER_PYTHON
    # the demo model is pickled with the training numpy: it must load in the image's numpy 1.x
    assert int(sklearn_image["numpy"].split(".")[0]) == int(np.__version__.split(".")[0]) == 1
