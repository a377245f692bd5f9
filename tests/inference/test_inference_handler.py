"""input_fn / predict_fn / output_fn called directly: formats, shapes and error messages."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

from tests.inference.conftest import csv_body


def run(handler, model, body, content_type, accept="application/json"):
    return handler.output_fn(handler.predict_fn(handler.input_fn(body, content_type), model), accept)


def expected_labels(demo_model, rows):
    return demo_model.estimator.predict(rows).tolist()


def error_of(handler, call):
    with pytest.raises(handler.InferenceError) as caught:
        call()
    return caught.value


# -- inputs -------------------------------------------------------------------------------------------


def test_json_single_object_with_named_features(handler, demo_model, demo_data):
    record = dict(zip(demo_data.feature_names, demo_data.data[0].tolist()))
    body, content_type = run(handler, demo_model, json.dumps(record), "application/json")
    result = json.loads(body)
    assert content_type == "application/json"
    assert result["predictions"] == expected_labels(demo_model, demo_data.data[:1])
    assert np.allclose(result["probabilities"], demo_model.estimator.predict_proba(demo_data.data[:1]))


def test_named_fields_are_mapped_by_name_not_position(handler, demo_model, demo_data):
    rows = demo_data.data[:5]
    records = [dict(reversed(list(zip(demo_data.feature_names, row.tolist())))) for row in rows]
    body, _ = run(handler, demo_model, json.dumps(records), "application/json")
    assert json.loads(body)["predictions"] == expected_labels(demo_model, rows)


@pytest.mark.parametrize(
    "shape",
    ["list_of_lists", "instances", "instances_of_features", "flat_list"],
)
def test_json_positional_shapes(handler, demo_model, demo_data, shape):
    rows = demo_data.data[:1] if shape == "flat_list" else demo_data.data[:4]
    payload = {
        "list_of_lists": rows.tolist(),
        "instances": {"instances": rows.tolist()},
        "instances_of_features": {"instances": [{"features": row} for row in rows.tolist()]},
        "flat_list": rows[0].tolist(),
    }[shape]
    body, _ = run(handler, demo_model, json.dumps(payload).encode(), "application/json")
    assert json.loads(body)["predictions"] == expected_labels(demo_model, rows)


def test_csv_without_header(handler, demo_model, demo_data):
    rows = demo_data.data[:50]
    body, content_type = run(handler, demo_model, csv_body(rows), "text/csv", "text/csv")
    assert content_type == "text/csv"
    assert body.split("\n") == [str(label) for label in expected_labels(demo_model, rows)]


def test_csv_header_maps_columns_by_name(handler, demo_model, demo_data):
    rows = demo_data.data[:20]
    order = list(reversed(range(rows.shape[1])))
    names = [str(demo_data.feature_names[i]) for i in order]
    body, _ = run(handler, demo_model, csv_body(rows[:, order], header=names), "text/csv", "text/csv")
    assert body.split("\n") == [str(label) for label in expected_labels(demo_model, rows)]


def test_csv_header_param_forces_header(handler, demo_model, demo_data):
    rows = demo_data.data[:3]
    names = [f"{i}" for i in range(rows.shape[1])]  # numeric-looking names would pass for data
    records = handler.input_fn(csv_body(rows, header=names), "text/csv; header=present")
    assert records.header == names
    assert records.matrix.shape == rows.shape


def test_csv_crlf_bytes_and_charset(handler, demo_model, demo_data):
    rows = demo_data.data[:3]
    body = csv_body(rows).replace("\n", "\r\n").encode("utf-8")
    out, _ = run(handler, demo_model, body, "text/csv; charset=utf-8", "text/csv")
    assert out.split("\n") == [str(label) for label in expected_labels(demo_model, rows)]


def test_jsonlines_objects_and_arrays(handler, demo_model, demo_data):
    rows = demo_data.data[:3]
    lines = [json.dumps(dict(zip(demo_data.feature_names, row.tolist()))) for row in rows]
    body, content_type = run(handler, demo_model, "\n".join(lines) + "\n", "application/jsonlines", "application/jsonlines")
    assert content_type == "application/jsonlines"
    out = [json.loads(line) for line in body.split("\n")]
    assert [item["prediction"] for item in out] == expected_labels(demo_model, rows)
    assert all(len(item["probabilities"]) == 2 for item in out)
    arrays = "\n".join(json.dumps(row.tolist()) for row in rows)
    assert handler.input_fn(arrays, "application/jsonlines").matrix.shape == rows.shape


def test_npy(handler, demo_model, demo_data):
    rows = demo_data.data[:7].astype(np.float32)
    buffer = io.BytesIO()
    np.save(buffer, rows)
    body, _ = run(handler, demo_model, buffer.getvalue(), "application/x-npy")
    assert json.loads(body)["predictions"] == expected_labels(demo_model, rows.astype(np.float64))


def test_empty_csv_cells_are_missing_values(handler, demo_data):
    lines = csv_body(demo_data.data[:2]).split("\n")
    cells = lines[1].split(",")
    cells[4] = ""
    lines[1] = ",".join(cells)
    matrix = handler.input_fn("\n".join(lines), "text/csv").matrix
    assert np.isnan(matrix[1, 4])
    assert np.isnan(matrix).sum() == 1


# -- outputs ------------------------------------------------------------------------------------------


def test_csv_output_has_one_line_per_record_and_no_trailing_newline(handler, demo_model, demo_data):
    rows = demo_data.data[:123]
    body, _ = run(handler, demo_model, csv_body(rows), "text/csv", "text/csv")
    assert not body.endswith("\n")
    assert len(body.split("\n")) == 123


def test_csv_output_quotes_string_labels(handler):
    prediction = handler.Prediction(np.array(["a,b", "plain"], dtype=object), None)
    body, _ = handler.output_fn(prediction, "text/csv")
    assert body.split("\n") == ['"a,b"', "plain"]


def test_json_output_without_predict_proba(handler):
    body, _ = handler.output_fn(handler.Prediction(np.array([1.5, 2.5]), None), "application/json")
    assert json.loads(body) == {"predictions": [1.5, 2.5]}


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/csv", "text/csv"),
        ("application/jsonlines", "application/jsonlines"),
        ("application/x-jsonlines", "application/jsonlines"),
        ("image/png, text/csv;q=0.5, application/json;q=0.9", "application/json"),
        ("text/*", "text/csv"),
        ("application/json; charset=utf-8", "application/json"),
    ],
)
def test_accept_negotiation(handler, accept, expected):
    assert handler.negotiate_accept(accept) == expected


def test_default_accept_follows_sagemaker_env(handler, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv")
    assert handler.negotiate_accept("*/*") == "text/csv"


# -- errors -------------------------------------------------------------------------------------------


def test_unsupported_content_type_is_415_listing_supported(handler):
    error = error_of(handler, lambda: handler.input_fn("x", "text/plain"))
    assert error.status_code == 415
    assert "text/plain" in error.message
    for supported in handler.SUPPORTED_CONTENT_TYPES:
        assert supported in error.message


def test_unsupported_accept_is_406_listing_supported(handler):
    prediction = handler.Prediction(np.array([1]), None)
    error = error_of(handler, lambda: handler.output_fn(prediction, "image/png"))
    assert error.status_code == 406
    assert "image/png" in error.message
    for supported in handler.SUPPORTED_ACCEPT_TYPES:
        assert supported in error.message


def test_errors_are_toolkit_errors(handler):
    from sagemaker_inference.errors import BaseInferenceToolkitError

    assert issubclass(handler.InferenceError, BaseInferenceToolkitError)


@pytest.mark.parametrize("body", ["", b"", "  \n", None])
@pytest.mark.parametrize("content_type", ["text/csv", "application/json", "application/jsonlines", "application/x-npy"])
def test_empty_body_is_400(handler, body, content_type):
    if content_type == "application/x-npy" and isinstance(body, str) and body:
        body = body.encode()
    error = error_of(handler, lambda: handler.input_fn(body, content_type))
    assert error.status_code == 400
    assert "empty" in error.message or "valid .npy" in error.message


def test_csv_non_numeric_value_names_record_and_column(handler, demo_data):
    lines = csv_body(demo_data.data[:5]).split("\n")
    cells = lines[3].split(",")
    cells[6] = "abc"
    lines[3] = ",".join(cells)
    error = error_of(handler, lambda: handler.input_fn("\n".join(lines), "text/csv"))
    assert error.status_code == 400
    assert "record 4" in error.message and "column 7" in error.message and "'abc'" in error.message


def test_csv_non_numeric_value_with_header_names_the_column(handler, demo_data):
    names = [str(name) for name in demo_data.feature_names]
    lines = csv_body(demo_data.data[:2], header=names).split("\n")
    cells = lines[2].split(",")
    cells[1] = "n/a"
    lines[2] = ",".join(cells)
    error = error_of(handler, lambda: handler.input_fn("\n".join(lines), "text/csv"))
    assert "record 2 (line 3)" in error.message and "'mean texture'" in error.message


def test_csv_ragged_row_names_the_record(handler, demo_data):
    lines = csv_body(demo_data.data[:3]).split("\n")
    lines[2] = lines[2].rsplit(",", 1)[0]
    error = error_of(handler, lambda: handler.input_fn("\n".join(lines), "text/csv"))
    assert error.status_code == 400
    assert "record 3" in error.message and "29 columns" in error.message


def test_csv_hash_is_an_error_not_a_comment(handler):
    error = error_of(handler, lambda: handler.input_fn("1,2\n#3,4\n", "text/csv"))
    assert "record 2" in error.message and "column 1" in error.message


def test_wrong_feature_count_is_400_naming_expected_features(handler, demo_model):
    records = handler.input_fn("1,2,3\n4,5,6\n", "text/csv")
    error = error_of(handler, lambda: handler.predict_fn(records, demo_model))
    assert error.status_code == 400
    assert "record 1 has 3 values" in error.message and "expects 30 features" in error.message
    assert "'mean radius'" in error.message


def test_json_non_numeric_value_names_record_and_feature(handler, demo_model, demo_data):
    records = [dict(zip(demo_data.feature_names, row.tolist())) for row in demo_data.data[:3]]
    records[2]["worst area"] = "big"
    parsed = handler.input_fn(json.dumps(records), "application/json")
    error = error_of(handler, lambda: handler.predict_fn(parsed, demo_model))
    assert error.status_code == 400
    assert "record 3" in error.message and "'worst area'" in error.message and "'big'" in error.message


def test_json_missing_and_unknown_features(handler, demo_model, demo_data):
    record = dict(zip(demo_data.feature_names, demo_data.data[0].tolist()))
    del record["mean area"]
    record["mean aera"] = 1.0
    parsed = handler.input_fn(json.dumps([record]), "application/json")
    error = error_of(handler, lambda: handler.predict_fn(parsed, demo_model))
    assert error.status_code == 400
    assert "record 1" in error.message
    assert "missing feature 'mean area'" in error.message and "unknown feature 'mean aera'" in error.message


def test_json_wrong_feature_count_per_record(handler, demo_data):
    rows = demo_data.data[:3].tolist()
    rows[1] = rows[1][:-2]
    error = error_of(handler, lambda: handler.input_fn(json.dumps(rows), "application/json"))
    assert "record 2 has 28 values" in error.message


def test_malformed_json_is_400(handler):
    error = error_of(handler, lambda: handler.input_fn('{"instances": [1, 2', "application/json"))
    assert error.status_code == 400 and "malformed JSON" in error.message


def test_malformed_jsonlines_names_the_line(handler):
    error = error_of(handler, lambda: handler.input_fn('[1, 2]\n[3, 4\n[5, 6]', "application/jsonlines"))
    assert error.status_code == 400 and "record 2" in error.message


def test_mixed_json_records_are_400(handler):
    error = error_of(handler, lambda: handler.input_fn('[[1, 2], {"a": 1}]', "application/json"))
    assert "record 2" in error.message


def test_named_records_without_schema_are_400(handler, demo_model):
    unnamed = type(demo_model)(demo_model.estimator, None)
    parsed = handler.input_fn('{"a": 1}', "application/json")
    error = error_of(handler, lambda: handler.predict_fn(parsed, unnamed))
    assert error.status_code == 400 and "schema.json" in error.message


def test_csv_header_with_unknown_column_is_400(handler, demo_model, demo_data):
    names = [str(name) for name in demo_data.feature_names]
    names[0] = "radius"
    parsed = handler.input_fn(csv_body(demo_data.data[:2], header=names), "text/csv")
    error = error_of(handler, lambda: handler.predict_fn(parsed, demo_model))
    assert "unknown 'radius'" in error.message and "missing 'mean radius'" in error.message


def test_missing_value_rejected_by_model_names_record_and_column(handler, demo_model, demo_data):
    rows = demo_data.data[:3].tolist()
    rows[1][2] = None
    parsed = handler.input_fn(json.dumps(rows), "application/json")
    error = error_of(handler, lambda: handler.predict_fn(parsed, demo_model))
    assert error.status_code == 400
    assert "record 2, column 3 ('mean perimeter') is missing" in error.message
    assert "\n" not in error.message


@pytest.mark.parametrize(
    "array",
    [np.array(["a", "b"]), np.zeros((2, 3, 4)), np.zeros((0, 30))],
    ids=["strings", "3d", "no-records"],
)
def test_bad_npy_arrays_are_400(handler, array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    error = error_of(handler, lambda: handler.input_fn(buffer.getvalue(), "application/x-npy"))
    assert error.status_code == 400


def test_pickled_npy_is_refused(handler):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    error = error_of(handler, lambda: handler.input_fn(buffer.getvalue(), "application/x-npy"))
    assert error.status_code == 400
