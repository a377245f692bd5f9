"""The emulator runner: loopback only, and stopped by its PID even when the code using it fails."""

from __future__ import annotations

import os

import pytest

from tools.local_emulator import LocalEmulator

pytestmark = pytest.mark.integration


def _listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, from /proc (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.split(":")
                if state == "0A" and int(port_hex, 16) == port:
                    found.add(address)
    return found


def test_listens_on_loopback_only_and_stops_when_the_body_raises(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with LocalEmulator(log_file=tmp_path / "emulator.log", ready_timeout=30) as handle:
            assert _listening_addresses(handle.port) == {"0100007F"}  # 127.0.0.1, nothing else
            raise RuntimeError("boom")
    assert not os.path.exists(f"/proc/{handle.pid}")
    assert _listening_addresses(handle.port) == set()
