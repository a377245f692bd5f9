"""One emulator and one synthesized assembly per test session, shared by every integration test; Dev, Staging
and Prod are deployed into it by their fixtures (each once per session).

The emulator is always stopped in teardown (also when the deploy or a test failed), with every model server it
started (asserted), and every wait is bounded: the server must answer within 30 s, each CDK command within tools.deploy_local.CDK_TIMEOUT_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import contextlib
import io
import os
import signal

import psutil
import pytest

from tools.deploy_local import LandedRow, client, deploy_stage, stage_region, stage_templates, synth
from tools.local_emulator import EmulatorHandle, LocalEmulator, model_servers

DESTROYS_STAGE = "destroys_stage"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{DESTROYS_STAGE}: tears a shared stage deploy down; runs after the others")


def pytest_collection_modifyitems(config, items):
    # Tests that destroy the shared stage run last, whatever order they were collected or selected in.
    items.sort(key=lambda item: item.get_closest_marker(DESTROYS_STAGE) is not None)


@dataclass
class DeployedStage:
    emulator: EmulatorHandle
    stage: str
    region: str
    outdir: Path
    outputs: dict[str, dict[str, str]]
    landed: list[LandedRow]

    def client(self, service: str):
        return client(self.emulator, self.region, service)

    def templates(self) -> dict[str, dict]:
        return stage_templates(self.outdir, self.stage)

    def output(self, key: str) -> str:
        for values in self.outputs.values():
            if key in values:
                return values[key]
        raise KeyError(f"no stack output {key}; outputs: {self.outputs}")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> EmulatorHandle:
    log_file = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with LocalEmulator(log_file=log_file, ready_timeout=30, stop_timeout=10) as handle:
        yield handle
        # The emulator itself stops the model servers the session's invocations started, on SIGTERM; checked
        # here, before the runner's stop would kill any it left behind.
        servers = model_servers(handle.pid)
        os.kill(handle.pid, signal.SIGTERM)
        psutil.wait_procs([psutil.Process(handle.pid)], timeout=30)
        assert [server.pid for server in servers if server.is_running()] == [], \
            "the emulator exited and left model servers running"


@pytest.fixture(scope="session")
def assembly(emulator, tmp_path_factory) -> Path:
    """The app synthesized once (every stage in the emulator's account); every deploy reads it."""
    outdir = tmp_path_factory.mktemp("cdk.out.local")
    synth(emulator, outdir=outdir, log=outdir.parent / "cdk.log")
    return outdir


def deployed(emulator, assembly: Path, stage: str) -> DeployedStage:
    outputs, landed = deploy_stage(emulator, stage=stage, outdir=assembly, log=assembly.parent / "cdk.log")
    return DeployedStage(emulator=emulator, stage=stage, region=stage_region(stage), outdir=assembly,
                         outputs=outputs, landed=landed)


@pytest.fixture(scope="session")
def dev_stage(emulator, assembly) -> DeployedStage:
    return deployed(emulator, assembly, "Dev")


@pytest.fixture(scope="session")
def prod_stage(emulator, assembly) -> DeployedStage:
    """Prod as tools.deploy_local deploys it: bootstrap both regions, Data, the demo model as v1 and v2, the rest."""
    return deployed(emulator, assembly, "Prod")


def run_cli(main, argv: list[str]) -> tuple[int, str, str]:
    """A CLI's main() in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def aws(emulator):
    """A client factory for the emulator in Dev's region, for tests that make their own resources."""
    return lambda service: client(emulator, stage_region("Dev"), service)
