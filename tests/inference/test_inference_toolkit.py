"""The packaged model driven through sagemaker-inference's Transformer, as the framework images do."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

from tests.inference.conftest import csv_body


def invoke(service, body, content_type=None, accept=None):
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    return service.invoke(body.encode() if isinstance(body, str) else body, headers)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_packaged_handler_is_the_repo_handler(unpacked_model_dir, handler):
    packed = (unpacked_model_dir / "code" / "inference.py").read_bytes()
    assert packed == open(handler.__file__, "rb").read()


@pytest.mark.parametrize("content_type", ["application/json", "text/csv", "application/jsonlines", "application/x-npy"])
@pytest.mark.parametrize("accept", ["application/json", "text/csv", "application/jsonlines"])
def test_every_content_type_and_accept(service, demo_model, demo_data, content_type, accept):
    rows = demo_data.data[10:16]
    body = {
        "application/json": json.dumps({"instances": rows.tolist()}),
        "text/csv": csv_body(rows),
        "application/jsonlines": "\n".join(json.dumps(row) for row in rows.tolist()),
        "application/x-npy": npy_bytes(rows),
    }[content_type]
    response = invoke(service, body, content_type, accept)
    assert response.status_code == 200, response.text
    assert response.content_type == accept
    expected = demo_model.estimator.predict(rows).tolist()
    if accept == "text/csv":
        assert response.text.split("\n") == [str(label) for label in expected]
    elif accept == "application/jsonlines":
        assert [json.loads(line)["prediction"] for line in response.text.split("\n")] == expected
    else:
        assert json.loads(response.text)["predictions"] == expected


def test_missing_accept_and_content_type_default_to_json(service, demo_data):
    response = invoke(service, json.dumps(demo_data.data[0].tolist()))
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert set(json.loads(response.text)) == {"predictions", "probabilities"}


def test_batch_transform_multirecord_csv_gives_one_line_per_input_line(service, demo_data):
    """SplitType=Line, BatchStrategy=MultiRecord, AssembleWith=Line: outputs must line up with inputs."""
    rows = np.tile(demo_data.data, (4, 1))  # 2276 records
    body = csv_body(rows)
    response = invoke(service, body, "text/csv", "text/csv")
    assert response.status_code == 200
    input_lines = body.rstrip("\n").split("\n")
    output_lines = response.text.split("\n")
    assert len(output_lines) == len(input_lines) == len(rows)
    assert all(line in ("0", "1") for line in output_lines)


@pytest.mark.parametrize(
    "body, content_type, accept, status, fragments",
    [
        ("1,2", "text/plain", "text/csv", 415, ["text/plain", "application/json", "text/csv", "application/x-npy"]),
        ("FIRST_RECORD", "text/csv", "image/png", 406, ["image/png", "application/jsonlines"]),
        ("", "text/csv", "text/csv", 400, ["empty"]),
        ("1,2,3", "text/csv", "text/csv", 400, ["record 1 has 3 values", "30 features"]),
        ("1,2\n3,x", "text/csv", "text/csv", 400, ["record 2", "column 2", "'x'"]),
        ('{"instances": [1,', "application/json", None, 400, ["malformed JSON"]),
        ('{"mean radius": "wide"}', "application/json", None, 400, ["record 1", "missing feature"]),
    ],
    ids=["415-content-type", "406-accept", "empty", "feature-count", "non-numeric", "malformed", "named"],
)
def test_errors_map_to_status_codes(service, demo_data, body, content_type, accept, status, fragments):
    if body == "FIRST_RECORD":  # Accept is checked in output_fn, after a valid body was scored
        body = csv_body(demo_data.data[:1])
    response = invoke(service, body, content_type, accept)
    assert response.status_code == status
    message = response.text.split("\n", 1)[0]  # the toolkit appends the traceback after the message
    for fragment in fragments:
        assert fragment in message
        assert fragment in response.reason


def test_non_numeric_named_value_through_toolkit(service, demo_data):
    record = dict(zip(demo_data.feature_names, demo_data.data[0].tolist()))
    record["mean smoothness"] = "smooth"
    response = invoke(service, json.dumps(record), "application/json", "application/json")
    assert response.status_code == 400
    assert "record 1" in response.reason and "'mean smoothness'" in response.reason


def test_worker_keeps_serving_after_errors(service, demo_data):
    for body, content_type in [("", "text/csv"), ("x", "text/plain"), ("\x00\xff", "application/x-npy")]:
        assert 400 <= invoke(service, body, content_type).status_code < 500
    response = invoke(service, csv_body(demo_data.data[:2]), "text/csv", "text/csv")
    assert response.status_code == 200 and len(response.text.split("\n")) == 2


def test_toolkit_default_decoder_would_fail_named_json(service, demo_data):
    """Why the handler parses JSON itself: the toolkit's np.array(json) cannot take named features."""
    from sagemaker_inference import decoder

    record = dict(zip(demo_data.feature_names, demo_data.data[0].tolist()))
    decoded = decoder.decode(json.dumps(record), "application/json")
    assert decoded.dtype == object  # a 0-d object array no model can score


def test_fails_rather_than_substituting_a_handler_for_a_model_without_code(demo_model_dir):
    from tools.toolkit_service import code_dir_for

    with pytest.raises(FileNotFoundError, match="carries no code/inference.py; pass code_dir"):
        code_dir_for(demo_model_dir)
