"""The three kinds of model code in each image's server: the project's handler (test_payload_matrix), a
user's own handler with sibling modules, and a handler-less artifact for the framework's built-in handler;
and a multi-model server that loads, serves and unloads two models with different code."""
from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from tests.fidelity.conftest import BYO_SKLEARN, csv_rows
from tools import package_model, serving_runtime


@pytest.fixture
def served():
    servers = []

    def start(*args, **kwargs):
        server = (serving_runtime.start_multi_model if kwargs.pop("multi", False) else serving_runtime.start)(*args, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_tutorial_handler_with_sibling_module_and_its_errors_in_the_sklearn_image(sklearn_stack, artifacts, breast_cancer, served):
    """examples/byo_sklearn: pandas comes from the image; `from preprocessing import ...` from code/."""
    server = served(artifacts["byo_sklearn"], environment={"SAGEMAKER_PROGRAM": "inference.py",
                                                            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"})
    reply = server.invoke(csv_rows(breast_cancer.data[:4]), "text/csv")
    assert reply.status == 200, reply.text
    assert json.loads(reply.text) == {"labels": breast_cancer.target[:4].tolist(), "features": 30}
    reply = server.invoke(json.dumps(breast_cancer.data[:2].tolist()).encode(), "application/json")
    assert json.loads(reply.text)["labels"] == breast_cancer.target[:2].tolist()
    # Why the README tells handler authors to answer 4xx with a response: a raised ValueError is a 500 here.
    workers = server.worker_pids()
    assert server.invoke(b"1,2,3\n", "text/csv").status == 500
    assert server.invoke(csv_rows(breast_cancer.data[:1]), "text/csv").status == 200
    assert server.worker_pids() == workers


def test_entry_point_with_another_name(sklearn_stack, tmp_path, breast_cancer, served):
    """handler.entry_point in config becomes SAGEMAKER_PROGRAM; the file need not be called inference.py."""
    source = tmp_path / "src"
    shutil.copytree(BYO_SKLEARN, source)
    (source / "inference.py").rename(source / "serve.py")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    shutil.copy(artifacts_model(tmp_path, breast_cancer), model_dir / "model.joblib")
    tarball = tmp_path / "model.tar.gz"
    package_model.package(model_dir, tarball, source, "serve.py")
    server = served(tarball, environment={"SAGEMAKER_PROGRAM": "serve.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"})
    reply = server.invoke(csv_rows(breast_cancer.data[:3]), "text/csv")
    assert reply.status == 200 and json.loads(reply.text)["labels"] == breast_cancer.target[:3].tolist()


def artifacts_model(tmp_path, data):
    import joblib
    from sklearn.tree import DecisionTreeClassifier

    path = tmp_path / "tree.joblib"
    joblib.dump(DecisionTreeClassifier(random_state=0).fit(data.data, data.target), path)
    return path


def test_user_handler_with_sibling_module_in_the_xgboost_image(xgboost_stack, artifacts, breast_cancer, served):
    server = served(artifacts["xgb_user"], framework="xgboost", version="3.0-5",
                    environment={"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"})
    reply = server.invoke(csv_rows(breast_cancer.data[:3]), "text/csv")
    assert reply.status == 200, reply.text
    result = json.loads(reply.text)
    assert result["handler"] == "user" and len(result["scores"]) == 3


def test_handler_less_sklearn_artifact_has_no_built_in_handler(sklearn_stack, artifacts):
    """Why config refuses `builtin` for scikit-learn: without SAGEMAKER_PROGRAM the image's app cannot even
    build itself, so /ping never answers 200 and the endpoint would never become healthy."""
    with pytest.raises(serving_runtime.ServingError, match=r"did not answer /ping with 200 .*\(last answer 500\)"):
        serving_runtime.start(artifacts["sklearn_builtin"], environment={}, timeout=8)


def test_handler_less_xgboost_artifact_loads_in_the_image_xgboost(xgboost_stack, artifacts, breast_cancer, tmp_path):
    """The built-in (algorithm-mode) handler's code is not published, so it cannot serve here; what can be
    checked is that the artifact holds only `xgboost-model`, in a format the image's xgboost reads, with the
    same scores as where it was trained."""
    import xgboost

    model_dir = serving_runtime.unpack(artifacts["xgb_builtin"], tmp_path / "model")
    assert sorted(p.name for p in model_dir.iterdir()) == ["xgboost-model"]
    rows = breast_cancer.data[:5]
    script = ("import sys, json, numpy, xgboost; b = xgboost.Booster(); b.load_model(sys.argv[1]);"
              "print(json.dumps(b.predict(xgboost.DMatrix(numpy.array(json.loads(sys.argv[2])))).tolist()))")
    output = subprocess.run([str(xgboost_stack), "-c", script, str(model_dir / "xgboost-model"), json.dumps(rows.tolist())],
                            check=True, capture_output=True, text=True, timeout=60).stdout
    booster = xgboost.Booster()
    booster.load_model(str(model_dir / "xgboost-model"))
    assert np.allclose(json.loads(output), booster.predict(xgboost.DMatrix(rows)), rtol=1e-6)


def test_handler_less_xgboost_artifact_is_refused_locally_not_substituted(xgboost_stack, artifacts):
    with pytest.raises(serving_runtime.ServingError, match="algorithm-mode handler"):
        serving_runtime.start(artifacts["xgb_builtin"], framework="xgboost", version="3.0-5", environment={}, timeout=60)


def test_multi_model_loads_serves_and_unloads_two_models_with_different_code(sklearn_multi, artifacts, breast_cancer):
    """Staging's shape: the project's handler from sourcedir.tar.gz at start; a model carrying another
    handler in its code/ is served by that handler (with its sibling module and pandas)."""
    sklearn_multi.load("byo", artifacts["byo_sklearn"])
    rows = csv_rows(breast_cancer.data[:3])
    ours = sklearn_multi.invoke_model("demo", rows, "text/csv", "text/csv")
    theirs = sklearn_multi.invoke_model("byo", rows, "text/csv")
    assert ours.status == theirs.status == 200, (ours.text, theirs.text)
    assert len(ours.text.split("\n")) == 3
    assert json.loads(theirs.text) == {"labels": breast_cancer.target[:3].tolist(), "features": 30}
    assert sklearn_multi.request("GET", "/models").status == 200
    assert sklearn_multi.unload("byo").status == 200
    assert sklearn_multi.invoke_model("byo", rows, "text/csv").status == 404
    assert sklearn_multi.invoke_model("demo", rows, "text/csv", "text/csv").status == 200


def test_multi_model_fails_at_start_with_the_handler_inside_the_model_dir(sklearn_stack):
    """The configuration Staging had (finding 1): /opt/ml/model/code does not exist before any model is loaded."""
    with pytest.raises(serving_runtime.ServingError, match="FileNotFoundError"):
        serving_runtime.start_multi_model(environment={"SAGEMAKER_PROGRAM": "inference.py",
                                                       "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}, timeout=60)


def test_multi_model_serves_a_handler_less_artifact_with_the_endpoints_handler(sklearn_multi, artifacts, breast_cancer):
    """On a multi-model endpoint the handler imported at start serves every model without code/ of its own."""
    sklearn_multi.load("plain", artifacts["sklearn_builtin"])
    try:
        reply = sklearn_multi.invoke_model("plain", csv_rows(breast_cancer.data[:3]), "text/csv", "text/csv")
        assert reply.status == 200 and [int(v) for v in reply.text.split("\n")] == breast_cancer.target[:3].tolist()
    finally:
        assert sklearn_multi.unload("plain").status == 200
