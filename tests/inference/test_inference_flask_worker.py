"""The scikit-learn image's single-model server: sagemaker-containers' Transformer on Flask.

That server wraps every exception from input_fn/predict_fn/output_fn into ClientError, which Flask
answers with 500; only a response object returned by output_fn can carry another status. The
emulation below follows sagemaker_containers._transformer (error_wrapper, transform) and _worker
(UTF-8 decoding of JSON/CSV bodies, JSON as the default Content-Type and Accept).
"""
from __future__ import annotations

import json

import pytest

from tests.inference.conftest import csv_body

flask = pytest.importorskip("flask")


class ClientError(Exception):
    pass


def error_wrapper(fn):
    def wrapper(*args):
        try:
            return fn(*args)
        except Exception as error:
            raise ClientError(error) from error

    return wrapper


def emulated_worker(input_fn, predict_fn, output_fn, model):
    app = flask.Flask("emulated_sklearn_worker")
    wrapped_input, wrapped_predict, wrapped_output = map(error_wrapper, (input_fn, predict_fn, output_fn))

    @app.route("/invocations", methods=["POST"])
    def invocations():
        content_type = flask.request.headers.get("Content-Type") or "application/json"
        accept = flask.request.headers.get("Accept") or "application/json"
        content = flask.request.get_data(as_text=content_type in ("application/json", "text/csv"))
        result = wrapped_output(wrapped_predict(wrapped_input(content, content_type), model), accept)
        if isinstance(result, tuple):
            return flask.Response(response=result[0], mimetype=result[1])
        return result

    return app.test_client()


@pytest.fixture(scope="module")
def client(handler, demo_model):
    return emulated_worker(handler.input_fn, handler.predict_fn, handler.output_fn, demo_model)


def test_raised_errors_become_500_there(handler, demo_model):
    """Why the handler carries rejections as values on this path."""

    def raising_input_fn(body, content_type):
        raise handler.InferenceError(415, "nope")

    client = emulated_worker(raising_input_fn, handler.predict_fn, handler.output_fn, demo_model)
    assert client.post("/invocations", data="x", content_type="text/plain").status_code == 500


def test_success(client, demo_data):
    response = client.post("/invocations", data=csv_body(demo_data.data[:9]), headers={"Content-Type": "text/csv", "Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(response.get_data(as_text=True).split("\n")) == 9


@pytest.mark.parametrize(
    "body, headers, status, fragment",
    [
        ("1,2", {"Content-Type": "text/plain"}, 415, "application/x-npy"),
        ("FIRST_RECORD", {"Content-Type": "text/csv", "Accept": "image/png"}, 406, "application/jsonlines"),
        ("", {"Content-Type": "text/csv"}, 400, "empty"),
        ("1,x", {"Content-Type": "text/csv"}, 400, "record 1 (line 1), column 2"),
        ("1,2,3", {"Content-Type": "text/csv"}, 400, "expects 30 features"),
        ('{"mean radius": 1}', {"Content-Type": "application/json"}, 400, "missing feature"),
        ("[[1, null]]", {"Content-Type": "application/json"}, 400, "record 1 has 2 values"),
    ],
    ids=["415", "406", "empty", "non-numeric", "feature-count", "named", "width"],
)
def test_client_errors_keep_their_status(client, demo_data, body, headers, status, fragment):
    if body == "FIRST_RECORD":
        body = csv_body(demo_data.data[:1])
    response = client.post("/invocations", data=body, headers=headers)
    assert response.status_code == status
    assert fragment in response.get_data(as_text=True)


def test_missing_value_rejected_by_model_is_400(client, demo_data):
    rows = demo_data.data[:2].tolist()
    rows[1][0] = None
    response = client.post("/invocations", data=json.dumps(rows), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "record 2, column 1 ('mean radius') is missing" in response.get_data(as_text=True)
