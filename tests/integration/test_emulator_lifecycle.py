"""The emulator runner: loopback only, stopped by its PID even when the code using it fails, and never leaving a
model server it started behind."""

from __future__ import annotations

import os
import signal

import pytest

from sagemaker_serving_cdk.rules.handler import framework_model_environment
from tests.conftest import DEMO_MODEL
from tools.deploy_local import client
from tools.local_emulator import LocalEmulator, model_servers

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

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


def test_a_killed_emulator_leaves_no_model_server_behind(tmp_path):
    # The model servers are the emulator's children in their own sessions: an emulator that cannot stop them
    # itself (here: frozen, so SIGTERM is never handled and it is SIGKILLed) must not leave them running.
    with LocalEmulator(log_file=tmp_path / "emulator.log", ready_timeout=30, stop_timeout=3) as handle:
        region = "us-east-1"
        s3, sagemaker = client(handle, region, "s3"), client(handle, region, "sagemaker")
        s3.create_bucket(Bucket="models")
        s3.put_object(Bucket="models", Key="model.tar.gz", Body=DEMO_MODEL.read_bytes())
        sagemaker.create_model(ModelName="demo", ExecutionRoleArn="arn:aws:iam::123456789012:role/r", PrimaryContainer={
            "Image": IMAGE, "ModelDataUrl": "s3://models/model.tar.gz",
            "Environment": framework_model_environment(region)})
        sagemaker.create_endpoint_config(EndpointConfigName="demo", ProductionVariants=[{
            "VariantName": "only", "ModelName": "demo", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
        sagemaker.create_endpoint(EndpointName="demo", EndpointConfigName="demo")
        answer = client(handle, region, "sagemaker-runtime").invoke_endpoint(
            EndpointName="demo", ContentType="text/csv", Accept="text/csv", Body=",".join(["1"] * 30).encode())
        assert answer["Body"].read().strip() in {b"0", b"1"}
        servers = model_servers(handle.pid)
        assert servers, "the invocation started no model server under the emulator"
        os.kill(handle.pid, signal.SIGSTOP)
    assert not os.path.exists(f"/proc/{handle.pid}")
    assert [server.pid for server in servers if server.is_running()] == []
