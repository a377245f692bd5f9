"""The emulator runner's safety rules: it only ever stops the process it started, by PID."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tools.local_emulator import (
    EmulatorError,
    EmulatorHandle,
    free_port,
    is_emulator_process,
    read_state,
    running_from_state,
    stop,
    write_state,
)


def test_state_file_round_trip(tmp_path):
    handle = EmulatorHandle(pid=123, port=4567, log_file="x.log")
    write_state(handle, tmp_path / "state.json")
    assert read_state(tmp_path / "state.json") == handle
    assert read_state(tmp_path / "missing.json") is None


def test_fails_on_a_state_file_that_is_not_ours(tmp_path):
    (tmp_path / "state.json").write_text('{"something": "else"}')
    with pytest.raises(EmulatorError, match="is not an emulator state file"):
        read_state(tmp_path / "state.json")


def test_stale_state_is_dropped_without_touching_the_process(tmp_path):
    # Our own PID is alive but is not the emulator: the state is stale and nothing is signalled.
    write_state(EmulatorHandle(pid=os.getpid(), port=free_port(), log_file="x.log"), tmp_path / "state.json")
    assert running_from_state(tmp_path / "state.json") is None
    assert not (tmp_path / "state.json").exists()


def test_stop_refuses_a_pid_that_is_not_the_emulator():
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not is_emulator_process(other.pid, 5000)
        with pytest.raises(EmulatorError, match="is not the emulator on port 5000 any more"):
            stop(EmulatorHandle(pid=other.pid, port=5000, log_file="x.log"))
        assert other.poll() is None  # still running
    finally:
        other.kill()
        other.wait(timeout=10)


def test_stop_of_a_process_that_is_gone_reports_false():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=10)
    assert stop(EmulatorHandle(pid=gone.pid, port=5000, log_file="x.log")) is False


def test_free_port_is_bindable_on_loopback():
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
