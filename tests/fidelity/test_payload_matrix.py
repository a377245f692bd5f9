"""The project's handler inside each image's own server, driven over HTTP with good, edge and bad payloads.

Every case asserts the status, that the message names what is wrong (record and column where there is
one), that the reason phrase is ASCII (MMS desyncs on anything else), and that the worker survived:
the same worker PIDs afterwards and a good request answered.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

from tests.fidelity.conftest import csv_rows

TARGETS = ("sklearn-single", "sklearn-multi-model", "xgboost-single")
FIXTURES = {"sklearn-single": "sklearn_single", "sklearn-multi-model": "sklearn_multi", "xgboost-single": "xgboost_single"}
CSV, JSON = "text/csv", "application/json"
MMS_MAX_REQUEST = 6 * 1024 * 1024  # the images' MMS default (serving_mms.DEFAULT_MAX_CONTENT_LEN)


class Target:
    def __init__(self, name, server):
        self.name, self.server = name, server

    def invoke(self, body, content_type=None, accept=None):
        if self.server.multi_model:
            return self.server.invoke_model("demo", body, content_type, accept)
        return self.server.invoke(body, content_type, accept)


@pytest.fixture(params=TARGETS, scope="module")
def target(request):
    return Target(request.param, request.getfixturevalue(FIXTURES[request.param]))


def _row(data, index=0):
    return [float(v) for v in data.data[index]]


def _json_row_with(data, column, literal):
    """A JSON list-of-lists body whose `column` (0-based) holds a raw JSON literal (10**400, Infinity, ...)."""
    values = [repr(v) for v in _row(data)]
    values[column] = literal
    return f"[[{', '.join(values)}]]".encode()


def _csv_row_with(data, column, cell):
    values = [repr(v) for v in _row(data)]
    values[column] = cell
    return (",".join(values) + "\n").encode("utf-8")


def _npy(rows):
    buffer = io.BytesIO()
    np.save(buffer, rows)
    return buffer.getvalue()


# (id, body factory(data), content type, accept, {target: status} or status, fragments of the body)
CASES = [
    ("csv", lambda d: csv_rows(d.data[:3]), CSV, CSV, 200, []),
    ("csv-header", lambda d: (",".join(d.feature_names) + "\n").encode() + csv_rows(d.data[:2]), CSV, CSV, 200, []),
    ("csv-utf8-bom", lambda d: b"\xef\xbb\xbf" + csv_rows(d.data[:3]), CSV, CSV, 200, []),
    ("csv-bom-header", lambda d: b"\xef\xbb\xbf" + (",".join(d.feature_names) + "\r\n").encode() + csv_rows(d.data[:2]),
     CSV, JSON, 200, []),
    ("json-named", lambda d: json.dumps(dict(zip(d.feature_names, _row(d)))).encode(), JSON, JSON, 200, []),
    ("json-instances", lambda d: json.dumps({"instances": d.data[:2].tolist()}).encode(), JSON, CSV, 200, []),
    ("jsonlines", lambda d: "\n".join(json.dumps(r) for r in d.data[:2].tolist()).encode(), "application/jsonlines",
     "application/jsonlines", 200, []),
    ("npy", lambda d: _npy(d.data[:2]), "application/x-npy", JSON, 200, []),
    ("csv-non-ascii-cell", lambda d: _csv_row_with(d, 2, "été"), CSV, CSV, 400,
     ["record 1 (line 1), column 3: 'été' is not a number"]),
    ("json-non-ascii-key", lambda d: json.dumps({"été": 1.0}, ensure_ascii=False).encode(), JSON, JSON, 400,
     ["record 1:", "unknown feature 'été'"]),
    ("json-int-10e400", lambda d: _json_row_with(d, 1, "1" + "0" * 400), JSON, JSON, 400,
     ["record 1, column 2 ('mean texture')", "too large for a 64-bit float"]),
    ("json-Infinity", lambda d: _json_row_with(d, 2, "Infinity"), JSON, JSON, 400,
     ["record 1, column 3 ('mean perimeter')", "not a finite number"]),
    ("json-1e309", lambda d: _json_row_with(d, 2, "1e309"), JSON, JSON, 400, ["record 1, column 3", "not a finite"]),
    ("csv-inf", lambda d: _csv_row_with(d, 3, "inf"), CSV, CSV, 400, ["record 1, column 4 ('mean area')", "not a finite"]),
    ("csv-1e309", lambda d: _csv_row_with(d, 3, "1e309"), CSV, CSV, 400, ["record 1, column 4", "not a finite"]),
    ("json-NaN", lambda d: _json_row_with(d, 0, "NaN"), JSON, JSON,
     {"xgboost-single": 200, "default": 400}, ["record 1, column 1 ('mean radius') is missing"]),
    ("empty-body", lambda d: b"", CSV, CSV, 400, ["empty"]),
    ("whitespace-body", lambda d: b" \n\r\n", JSON, JSON, 400, ["empty"]),
    ("wrong-column-count", lambda d: b"1,2,3\n", CSV, CSV, 400, ["record 1 has 3 values", "expects 30 features"]),
    ("ragged-rows", lambda d: csv_rows(d.data[:1]) + csv_rows(d.data[1:2, :29]), CSV, CSV, 400,
     ["record 2 (line 2) has 29 columns but record 1 has 30"]),
    ("malformed-json", lambda d: b'{"mean radius": ', JSON, JSON, 400, ["malformed JSON"]),
    ("unsupported-content-type", lambda d: b"1,2", "text/plain", JSON, 415, ["text/plain", "application/x-npy"]),
    ("unsupported-accept", lambda d: csv_rows(d.data[:1]), CSV, "image/png", 406, ["image/png", "application/jsonlines"]),
    ("invalid-utf8-charset", lambda d: b"\xff\xfe1,2\n", "text/csv; charset=utf-8", CSV, 400, ["not valid utf-8"]),
    # The toolkit (sagemaker-inference, MMS path) decodes exact text/csv and application/json bodies itself
    # before any handler code runs, and answers a decode error with 500; the Flask path decodes leniently.
    ("invalid-utf8", lambda d: b"\xff\xfe1,2\n", CSV, CSV, {"sklearn-multi-model": 500, "default": 400},
     ["utf-8"]),
]


def _expected(status, target_name):
    return status.get(target_name, status["default"]) if isinstance(status, dict) else status


@pytest.mark.parametrize("case_id, make_body, content_type, accept, status, fragments", CASES, ids=[c[0] for c in CASES])
def test_payload(target, breast_cancer, case_id, make_body, content_type, accept, status, fragments):
    workers = target.server.worker_pids()
    assert workers, f"{target.name}: no worker process found\n{target.server.log_tail()}"
    reply = target.invoke(make_body(breast_cancer), content_type, accept)
    expected = _expected(status, target.name)
    assert reply.status == expected, f"{target.name} {case_id}: {reply.status} {reply.reason} {reply.text[:500]}"
    if expected == 200:
        assert reply.headers.get("content-type", "").split(";")[0] == accept
    for fragment in fragments if expected != 200 else ():
        assert fragment in reply.text, f"{target.name} {case_id}: {reply.text[:500]}"
    assert reply.reason.isascii(), reply.reason
    _assert_worker_survived(target, workers, breast_cancer)


def _assert_worker_survived(target, workers, data):
    after = target.invoke(csv_rows(data.data[:2]), CSV, CSV)
    assert after.status == 200 and len(after.text.split("\n")) == 2, after.text
    assert target.server.worker_pids() == workers, f"{target.name}: a worker died\n{target.server.log_tail()}"


def test_csv_lines_match_records_and_predictions(target, breast_cancer):
    reply = target.invoke(csv_rows(breast_cancer.data[:50]), CSV, CSV)
    labels = [int(float(v)) for v in reply.text.split("\n")]
    assert reply.status == 200 and len(labels) == 50
    assert np.mean(np.array(labels) == breast_cancer.target[:50]) > 0.9


def _big_csv(data, size):
    line = csv_rows(data.data[:1])
    body = line * (size // len(line))
    return body, body.count(b"\n")


def test_payload_just_under_the_real_time_limit(target, breast_cancer):
    """6 MB is InvokeEndpoint's limit and MMS's default max_request_size: a batch just under it is served."""
    workers = target.server.worker_pids()
    body, records = _big_csv(breast_cancer, MMS_MAX_REQUEST - 64 * 1024)
    reply = target.invoke(body, CSV, CSV)
    assert reply.status == 200, reply.text[:300]
    assert len(reply.text.split("\n")) == records
    _assert_worker_survived(target, workers, breast_cancer)


def test_payload_over_six_mb(target, breast_cancer):
    """Multi-model (MMS) refuses over 6 MB with 413; single-model servers take batch payloads up to 100 MB."""
    workers = target.server.worker_pids()
    body, records = _big_csv(breast_cancer, MMS_MAX_REQUEST + 256 * 1024)
    reply = target.invoke(body, CSV, CSV)
    if target.server.multi_model:
        assert reply.status == 413
    else:
        assert reply.status == 200 and len(reply.text.split("\n")) == records
    _assert_worker_survived(target, workers, breast_cancer)
