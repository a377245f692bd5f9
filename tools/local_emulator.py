"""Runs the local AWS emulator (moto's server with tools.emulator_server's fixes) on 127.0.0.1.

    python -m tools.local_emulator start     # free port, waits until it answers, writes build/local-emulator.json
    python -m tools.local_emulator status
    python -m tools.local_emulator stop      # stops the server that `start` recorded, by its PID, and nothing else
                                             # but the model servers it started (its children, by their PIDs)

In code, `LocalEmulator` is a context manager: the server is stopped on exit, also when the body raised.
The server listens on 127.0.0.1 only; clients use http://localhost:PORT (moto resolves template URLs by that
host name, ARCHITECTURE.md fact 6.5). Credentials are dummies: nothing here can reach AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from paths import PROJECT_ROOT

STATE_FILE = PROJECT_ROOT / "build" / "local-emulator.json"
SERVER_MODULE = "tools.emulator_server"
ACCOUNT_ID = "123456789012"  # moto's default account
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class EmulatorError(RuntimeError):
    """The emulator could not be started, found or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class EmulatorHandle:
    pid: int
    port: int
    log_file: str

    @property
    def endpoint_url(self) -> str:
        return f"http://localhost:{self.port}"

    def client_environment(self, region: str) -> dict[str, str]:
        """Environment variables that point the AWS SDKs and the CDK CLI at this emulator, and only at it."""
        return {
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }


def free_port() -> int:
    """A port nothing listens on right now, on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(*, log_file: Path, port: Optional[int] = None, ready_timeout: float = 30.0) -> EmulatorHandle:
    """Start the server in its own session (so a Ctrl-C in the caller does not kill it half-way) and wait,
    at most `ready_timeout` seconds, until it answers. On failure the process is stopped and the error shows
    the end of its log."""
    port = port or free_port()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE, "-H", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "MOTO_PORT": str(port), "PYTHONUNBUFFERED": "1"},
        )
    handle = EmulatorHandle(pid=process.pid, port=port, log_file=str(log_file))
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(f"the emulator exited with code {process.returncode} before answering:\n{_tail(log_file)}")
        if _answers(port):
            return handle
        time.sleep(0.2)
    stop(handle)
    raise EmulatorError(f"the emulator did not answer on port {port} within {ready_timeout:g} s:\n{_tail(log_file)}")


def stop(handle: EmulatorHandle, *, timeout: float = 10.0) -> bool:
    """Stop exactly this server: SIGTERM, then SIGKILL after `timeout` seconds. Returns False when it was
    already gone. Refuses a PID that now belongs to another program (the PID was reused)."""
    if not _alive(handle.pid):
        return False
    if not is_emulator_process(handle.pid, handle.port):
        raise EmulatorError(
            f"PID {handle.pid} is not the emulator on port {handle.port} any more (the PID was reused); "
            f"not stopping it. Remove {STATE_FILE} if the emulator is gone."
        )
    servers = model_servers(handle.pid)
    os.kill(handle.pid, signal.SIGTERM)  # the emulator stops its model servers on the way out
    if not _wait_gone(handle.pid, timeout):
        os.kill(handle.pid, signal.SIGKILL)
        if not _wait_gone(handle.pid, timeout):
            raise EmulatorError(f"the emulator (PID {handle.pid}) survived SIGKILL for {timeout:g} s")
    _kill_groups(servers, timeout)  # any it could not stop (it was killed, or a stop overran)
    return True


def model_servers(pid: int) -> list:
    """The emulator's children that lead their own process group: the model servers it started
    (tools.serving_runtime starts each in a new session, its workers inside that group)."""
    import psutil

    try:
        children = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    groups = []
    for child in children:
        try:
            if os.getpgid(child.pid) == child.pid:
                groups.append(child)
        except ProcessLookupError:
            pass
    return groups


def _kill_groups(leaders: list, timeout: float) -> None:
    """SIGKILL the process group of each leader still running (psutil checks the PID is still that process)."""
    import psutil

    for leader in leaders:
        if leader.is_running():
            try:
                os.killpg(leader.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    psutil.wait_procs(leaders, timeout=timeout)


def is_emulator_process(pid: int, port: int) -> bool:
    """True when `pid` runs our server module on `port` (read from /proc: no broad process matching)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    args = [part.decode(errors="replace") for part in argv if part]
    return SERVER_MODULE in args and str(port) in args


class LocalEmulator:
    """`with LocalEmulator(log_file=...) as emulator:` starts the server and always stops it on exit."""

    def __init__(self, *, log_file: Path, ready_timeout: float = 30.0, stop_timeout: float = 10.0) -> None:
        self.log_file = log_file
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.handle: Optional[EmulatorHandle] = None

    def __enter__(self) -> EmulatorHandle:
        self.handle = start(log_file=self.log_file, ready_timeout=self.ready_timeout)
        return self.handle

    def __exit__(self, *exc_info) -> None:
        if self.handle is not None:
            stop(self.handle, timeout=self.stop_timeout)
            _reap(self.handle.pid)


# --- the state file that lets `make destroy-local` find the server `make deploy-local` started -------------


def write_state(handle: EmulatorHandle, state_file: Path = STATE_FILE) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(asdict(handle), indent=2) + "\n")


def read_state(state_file: Path = STATE_FILE) -> Optional[EmulatorHandle]:
    if not state_file.exists():
        return None
    try:
        return EmulatorHandle(**json.loads(state_file.read_text()))
    except (ValueError, TypeError) as error:
        raise EmulatorError(f"{state_file} is not an emulator state file ({error}); remove it") from error


def running_from_state(state_file: Path = STATE_FILE) -> Optional[EmulatorHandle]:
    """The recorded server while its process is still ours; None (and a removed stale file) otherwise."""
    handle = read_state(state_file)
    if handle is None:
        return None
    if _alive(handle.pid) and is_emulator_process(handle.pid, handle.port):
        return handle
    state_file.unlink()
    return None


def stop_from_state(state_file: Path = STATE_FILE) -> Optional[EmulatorHandle]:
    handle = read_state(state_file)
    if handle is None:
        return None
    stop(handle)
    state_file.unlink()
    return handle


# --- helpers ------------------------------------------------------------------------------------------------


def _answers(port: int) -> bool:
    # The dashboard page: static, unlike /moto-api/data.json, which fails once a Lambda function exists.
    try:
        with urllib.request.urlopen(f"http://localhost:{port}/moto-api/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _tail(log_file: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_emulator", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["start", "status", "stop"])
    parser.add_argument("--state-file", type=Path, default=STATE_FILE)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            handle = running_from_state(args.state_file)
            if handle is None:
                handle = start(log_file=args.state_file.parent / "local-emulator.log")
                write_state(handle, args.state_file)
            print(f"emulator: {handle.endpoint_url} (PID {handle.pid}, log {handle.log_file})")
        elif args.command == "status":
            handle = running_from_state(args.state_file)
            print(f"emulator: {handle.endpoint_url} (PID {handle.pid})" if handle else "emulator: not running")
        else:
            handle = stop_from_state(args.state_file)
            print(f"emulator: stopped PID {handle.pid}" if handle else "emulator: none recorded, nothing to stop")
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
