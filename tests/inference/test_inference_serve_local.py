"""tools.serve_local over real HTTP: a subprocess on 127.0.0.1, stopped by its PID."""
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
from tools.package_model import REPO_ROOT

STARTUP_TIMEOUT_S = 60
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
    assert (status, body) == (200, "")


def test_binds_loopback_by_default(server):
    assert server[0] == "127.0.0.1"


def test_csv_batch_one_line_per_record(server, demo_data):
    rows = demo_data.data[:40]
    status, _, content_type, body = request(
        server, "POST", "/invocations", csv_body(rows).encode(), {"Content-Type": "text/csv", "Accept": "text/csv"}
    )
    assert (status, content_type) == (200, "text/csv")
    assert len(body.split("\n")) == 40


def test_named_json(server, demo_data):
    record = dict(zip(demo_data.feature_names, demo_data.data[3].tolist()))
    status, _, content_type, body = request(
        server, "POST", "/invocations", json.dumps(record).encode(), {"Content-Type": "application/json"}
    )
    assert (status, content_type) == (200, "application/json")
    assert len(json.loads(body)["probabilities"][0]) == 2


@pytest.mark.parametrize(
    "body, headers, status, fragment",
    [
        (b"1,2", {"Content-Type": "text/plain"}, 415, "application/x-npy"),
        (b"FIRST_RECORD", {"Content-Type": "text/csv", "Accept": "image/png"}, 406, "application/jsonlines"),
        (b"", {"Content-Type": "text/csv"}, 400, "empty"),
        (b"1,2,x", {"Content-Type": "text/csv"}, 400, "record 1 (line 1), column 3"),
        (b"1,2,3", {"Content-Type": "text/csv"}, 400, "expects 30 features"),
    ],
    ids=["415", "406", "empty", "non-numeric", "feature-count"],
)
def test_client_errors(server, demo_data, body, headers, status, fragment):
    if body == b"FIRST_RECORD":
        body = csv_body(demo_data.data[:1]).encode()
    got_status, reason, _, text = request(server, "POST", "/invocations", body, headers)
    assert got_status == status
    assert fragment in reason and fragment in text


def test_unknown_path_is_404_and_server_survives(server):
    assert request(server, "GET", "/nope")[0] == 404
    assert request(server, "POST", "/nope", b"x")[0] == 404
    assert request(server, "GET", "/ping")[0] == 200
