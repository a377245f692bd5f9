"""tools.serve_local over real HTTP: the scikit-learn image's server on 127.0.0.1, stopped by its PID."""
from __future__ import annotations

import http.client
import json
import re
import selectors
import subprocess
import sys
import time

import pytest

from tests.inference.conftest import csv_body
from tools import serve_local
from tools.package_model import REPO_ROOT

STARTUP_TIMEOUT_S = 180  # includes installing the stack on a fresh machine
STOP_TIMEOUT_S = 10


def _read_first_line(process: subprocess.Popen, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve_local exited with {process.returncode}: {process.stderr.read()}")
        if selector.select(timeout=0.2):
            return process.stdout.readline()
    raise TimeoutError(f"serve_local did not report its port within {timeout}s")


@pytest.fixture(scope="module")
def server(demo_tarball):
    """(host, port) of a server on a free port; --port 0 lets the OS pick so tests never race for one."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.serve_local", "--model-dir", str(demo_tarball), "--port", "0"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = _read_first_line(process, STARTUP_TIMEOUT_S)
        match = re.search(r"http://(127\.0\.0\.1):(\d+)", line)
        assert match, line
        yield match.group(1), int(match.group(2))
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
        process.stdout.close()
        process.stderr.close()


def request(server, method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection(*server, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.reason, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


def test_ping(server):
    status, _, _, body = request(server, "GET", "/ping")
    assert status == 200


def test_binds_loopback_by_default(server):
    assert server[0] == "127.0.0.1"


def test_csv_batch_one_line_per_record(server, demo_data):
    rows = demo_data.data[:40]
    status, _, content_type, body = request(
        server, "POST", "/invocations", csv_body(rows).encode(), {"Content-Type": "text/csv", "Accept": "text/csv"}
    )
    assert (status, content_type.split(";")[0]) == (200, "text/csv")
    assert len(body.split("\n")) == 40


def test_named_json(server, demo_data):
    record = dict(zip(demo_data.feature_names, demo_data.data[3].tolist()))
    status, _, content_type, body = request(
        server, "POST", "/invocations", json.dumps(record).encode(), {"Content-Type": "application/json"}
    )
    assert (status, content_type.split(";")[0]) == (200, "application/json")
    assert len(json.loads(body)["probabilities"][0]) == 2


def test_client_errors_keep_their_status(server):
    status, _, _, text = request(server, "POST", "/invocations", b"1,2,x", {"Content-Type": "text/csv"})
    assert status == 400 and "record 1 (line 1), column 3" in text


# -- choosing the handler: never a substitute -----------------------------------------------------------------


@pytest.mark.parametrize("names, entry_point, builtin, expected", [
    (["model.joblib", "code/inference.py"], None, False, "inference.py"),
    (["xgboost-model"], None, False, None),
    (["model.joblib", "code/serve.py", "code/util.py"], "serve.py", False, "serve.py"),
    (["xgboost-model"], None, True, None),
])
def test_the_handler_is_the_artifacts_own(names, entry_point, builtin, expected):
    assert serve_local.handler_for(names, entry_point, builtin) == expected


@pytest.mark.parametrize("names, entry_point, builtin, message", [
    (["xgboost-model", "code/inference.py"], None, True, "the image would not run it"),
    (["model.joblib", "code/serve.py"], None, False, "name the handler with --entry-point"),
    (["model.joblib", "code/serve.py"], "inference.py", False, "has no code/inference.py"),
])
def test_fails_rather_than_substituting_a_handler(names, entry_point, builtin, message):
    with pytest.raises(SystemExit, match=message):
        serve_local.handler_for(names, entry_point, builtin)
