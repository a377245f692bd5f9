"""Fixtures for the inference handler tests: the demo model is trained once per session."""
from __future__ import annotations

import importlib
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tools import package_model, train_demo
from tools.toolkit_service import REPO_CODE_DIR, HandlerService


@pytest.fixture(scope="session")
def handler():
    """inference.py imported as the containers import it: a top-level module named `inference`."""
    if str(REPO_CODE_DIR) not in sys.path:
        sys.path.insert(0, str(REPO_CODE_DIR))
    module = importlib.import_module("inference")
    assert Path(module.__file__).resolve() == (REPO_CODE_DIR / "inference.py").resolve()
    return module


@pytest.fixture(scope="session")
def demo_model_dir(tmp_path_factory) -> Path:
    return train_demo.train(tmp_path_factory.mktemp("demo-model"))


@pytest.fixture(scope="session")
def demo_model(handler, demo_model_dir):
    return handler.model_fn(str(demo_model_dir))


@pytest.fixture(scope="session")
def demo_data():
    """Breast-cancer rows and names, the data the demo model was trained on."""
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer()


@pytest.fixture(scope="session")
def demo_tarball(tmp_path_factory, demo_model_dir) -> Path:
    out = tmp_path_factory.mktemp("package") / "model.tar.gz"
    package_model.package(demo_model_dir, out)
    return out


@pytest.fixture(scope="session")
def unpacked_model_dir(tmp_path_factory, demo_tarball) -> Path:
    """The tarball extracted as SageMaker does into /opt/ml/model."""
    target = tmp_path_factory.mktemp("opt-ml-model")
    with tarfile.open(demo_tarball) as archive:
        archive.extractall(target)
    return target


@pytest.fixture(scope="session")
def service(handler, unpacked_model_dir) -> HandlerService:
    """The sagemaker-inference Transformer path the framework images take, on the packaged model."""
    return HandlerService(unpacked_model_dir)


def csv_body(rows: np.ndarray, header: list[str] | None = None) -> str:
    lines = [",".join(header)] if header else []
    lines += [",".join(repr(float(value)) for value in row) for row in rows]
    return "\n".join(lines) + "\n"
