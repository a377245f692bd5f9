"""XGBoost models (the `xgboost-model` file SageMaker's XGBoost image writes), via xgboost-cpu."""
from __future__ import annotations

import json
import pickle
import tarfile

import numpy as np
import pytest

from tests.inference.conftest import csv_body
from tools import package_model
from tools.toolkit_service import HandlerService

xgboost = pytest.importorskip("xgboost")


def train_booster(data, target, objective, **params):
    matrix = xgboost.DMatrix(data, label=target)
    params = {"objective": objective, "max_depth": 3, "seed": 0, "nthread": 1, **params}
    return xgboost.train(params, matrix, num_boost_round=8)


def save_booster(booster, model_dir):
    # UBJSON, the format xgboost.Booster.save_model writes by default, named as the XGBoost image names it.
    (model_dir / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))


@pytest.fixture(scope="module")
def binary_model_dir(tmp_path_factory, demo_data):
    model_dir = tmp_path_factory.mktemp("xgb-binary")
    booster = train_booster(demo_data.data, demo_data.target, "binary:logistic")
    save_booster(booster, model_dir)
    (model_dir / "schema.json").write_text(json.dumps({"features": [str(n) for n in demo_data.feature_names]}))
    return model_dir


def test_binary_csv_and_named_json(handler, binary_model_dir, demo_data):
    model = handler.model_fn(str(binary_model_dir))
    rows = demo_data.data[:25]
    scores = model.booster.predict(xgboost.DMatrix(rows))
    body, _ = handler.output_fn(handler.predict_fn(handler.input_fn(csv_body(rows), "text/csv"), model), "text/csv")
    assert body.split("\n") == [str(int(score > 0.5)) for score in scores]

    record = dict(zip(demo_data.feature_names, rows[0].tolist()))
    body, _ = handler.output_fn(handler.predict_fn(handler.input_fn(json.dumps(record), "application/json"), model), "application/json")
    result = json.loads(body)
    assert result["predictions"] == [int(scores[0] > 0.5)]
    assert result["probabilities"][0] == pytest.approx([1 - scores[0], scores[0]], rel=1e-6)


def test_multiclass_softprob(handler, tmp_path):
    from sklearn.datasets import load_iris

    iris = load_iris()
    booster = train_booster(iris.data, iris.target, "multi:softprob", num_class=3)
    save_booster(booster, tmp_path)
    model = handler.model_fn(str(tmp_path))
    prediction = handler.predict_fn(handler.input_fn(json.dumps(iris.data[:5].tolist()), "application/json"), model)
    assert prediction.probabilities.shape == (5, 3)
    assert prediction.predictions.tolist() == prediction.probabilities.argmax(axis=1).tolist()


def test_regression_has_no_probabilities(handler, tmp_path, demo_data):
    booster = train_booster(demo_data.data, demo_data.data[:, 0], "reg:squarederror")
    save_booster(booster, tmp_path)
    model = handler.model_fn(str(tmp_path))
    body, _ = handler.output_fn(handler.predict_fn(handler.input_fn(csv_body(demo_data.data[:4]), "text/csv"), model), "application/json")
    result = json.loads(body)
    assert set(result) == {"predictions"} and len(result["predictions"]) == 4


def test_pickled_booster_from_older_containers(handler, tmp_path, demo_data):
    booster = train_booster(demo_data.data, demo_data.target, "binary:logistic")
    (tmp_path / "xgboost-model").write_bytes(pickle.dumps(booster))
    model = handler.model_fn(str(tmp_path))
    assert model.n_features == 30


def test_wrong_width_names_expected_count(handler, binary_model_dir):
    model = handler.model_fn(str(binary_model_dir))
    with pytest.raises(handler.InferenceError) as caught:
        handler.predict_fn(handler.input_fn("1,2\n", "text/csv"), model)
    assert caught.value.status_code == 400 and "expects 30 features" in caught.value.message


def test_schema_disagreeing_with_model_fails_at_load(handler, tmp_path, demo_data):
    booster = train_booster(demo_data.data, demo_data.target, "binary:logistic")
    save_booster(booster, tmp_path)
    (tmp_path / "schema.json").write_text(json.dumps({"features": ["a", "b"]}))
    with pytest.raises(ValueError, match="lists 2 features but the model expects 30"):
        handler.model_fn(str(tmp_path))


def test_packaged_xgboost_model_through_toolkit(handler, binary_model_dir, tmp_path, demo_data):
    tarball = tmp_path / "model.tar.gz"
    package_model.package(binary_model_dir, tarball)
    unpacked = tmp_path / "opt-ml-model"
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked)
    service = HandlerService(unpacked)
    rows = demo_data.data[:10]
    response = service.invoke(csv_body(rows).encode(), {"Content-Type": "text/csv", "Accept": "application/jsonlines"})
    assert response.status_code == 200
    assert len(response.text.split("\n")) == 10


def test_two_model_files_fail_at_load(handler, tmp_path):
    (tmp_path / "model.joblib").write_bytes(b"")
    (tmp_path / "xgboost-model").write_bytes(b"")
    with pytest.raises(ValueError, match="exactly one of"):
        handler.model_fn(str(tmp_path))
