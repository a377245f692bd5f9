"""Container fidelity: models served by the framework images' own serving code (tools/serving_stacks),
over HTTP on 127.0.0.1, by servers these fixtures start and stop by PID.

Artifacts (all built here from the project's code, none fetched):
- `demo`: the demo scikit-learn model with the project's handler;
- `byo_sklearn`: a tutorial-style handler with a sibling module (examples/byo_sklearn) and its own model;
- `xgb`: an XGBoost booster (`xgboost-model`) with the project's handler; `xgb_user`: with a user's handler;
- `xgb_builtin` / `sklearn_builtin`: model files with no code/ (the framework's built-in handler).
"""
from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest

from tools import package_model, serving_runtime, serving_stacks, train_demo
from tools.package_model import REPO_ROOT

BYO_SKLEARN = REPO_ROOT / "examples" / "byo_sklearn"
XGB_USER_CODE = Path(__file__).parent / "user_code" / "xgboost"
HANDLER_ENV = {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}


@pytest.fixture(scope="session")
def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory, breast_cancer) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fidelity-artifacts")
    names = [str(name) for name in breast_cancer.feature_names]
    out = {}

    demo_dir = train_demo.train(root / "demo-model")
    out["demo"] = root / "demo.tar.gz"
    package_model.package(demo_dir, out["demo"])

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    byo_dir = root / "byo-model"
    byo_dir.mkdir()
    byo = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(breast_cancer.data, breast_cancer.target)
    joblib.dump(byo, byo_dir / "model.joblib")
    out["byo_sklearn"] = root / "byo.tar.gz"
    package_model.package(byo_dir, out["byo_sklearn"], BYO_SKLEARN)

    sklearn_builtin = root / "sklearn-builtin"
    sklearn_builtin.mkdir()
    joblib.dump(byo, sklearn_builtin / "model.joblib")
    out["sklearn_builtin"] = root / "sklearn-builtin.tar.gz"
    package_model.package(sklearn_builtin, out["sklearn_builtin"], None)

    import xgboost

    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 3, "seed": 0, "nthread": 1},
                            xgboost.DMatrix(breast_cancer.data, label=breast_cancer.target), num_boost_round=8)
    for name, code in (("xgb", package_model.DEFAULT_CODE_DIR), ("xgb_user", XGB_USER_CODE), ("xgb_builtin", None)):
        model_dir = root / name
        model_dir.mkdir()
        (model_dir / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))
        if name == "xgb":
            (model_dir / "schema.json").write_text(json.dumps({"features": names}))
        out[name] = root / f"{name}.tar.gz"
        package_model.package(model_dir, out[name], code)
    return out


def csv_rows(rows: np.ndarray) -> bytes:
    return ("\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n").encode()


@pytest.fixture(scope="session")
def sklearn_stack():
    return serving_stacks.ensure(serving_stacks.STACKS["sklearn-1.2-1"])


@pytest.fixture(scope="session")
def xgboost_stack():
    return serving_stacks.ensure(serving_stacks.STACKS["xgboost-3.0-5"])


def _served(server):
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sklearn_single(sklearn_stack, artifacts):
    yield from _served(serving_runtime.start(artifacts["demo"], environment=HANDLER_ENV))


@pytest.fixture(scope="session")
def xgboost_single(xgboost_stack, artifacts):
    yield from _served(serving_runtime.start(artifacts["xgb"], framework="xgboost", version="3.0-5",
                                             environment=HANDLER_ENV))


@pytest.fixture(scope="session")
def sourcedir(tmp_path_factory) -> Path:
    """The project's handler as sourcedir.tar.gz, as multi-model models get it at start (S3 in AWS)."""
    out = tmp_path_factory.mktemp("sourcedir") / "sourcedir.tar.gz"
    package_model.package_source(package_model.DEFAULT_CODE_DIR, out)
    return out


@pytest.fixture(scope="session")
def sklearn_multi(sklearn_stack, artifacts, sourcedir):
    """A multi-model server as the Staging model is configured: the handler from an S3 sourcedir.tar.gz."""
    environment = {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "s3://models/sourcedir.tar.gz"}

    def fetch(url, local):
        assert url == environment["SAGEMAKER_SUBMIT_DIRECTORY"]
        local.write_bytes(sourcedir.read_bytes())

    server = serving_runtime.start_multi_model(environment=environment, fetch_s3=fetch)
    try:
        server.load("demo", artifacts["demo"])
        yield server
    finally:
        server.stop()
