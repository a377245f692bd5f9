"""Network isolation and the image's pip (ARCHITECTURE.md fact 6.9): at start the image pip-installs the handler's code
directory with sagemaker-containers' own `_modules.prepare` + `_modules.install`, run here unchanged with
no index reachable. pip 25.2 builds it offline, pip 25.3 does not, and the environment every handler-bearing
model gets (sagemaker_serving_cdk.rules.handler.handler_environment) makes any pip build it offline.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sagemaker_serving_cdk.rules.handler import handler_environment
from tools import serving_runtime, serving_stacks
from tools.package_model import DEFAULT_CODE_DIR

OFFLINE = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",  # nothing listens there: every download fails at once
    "PIP_RETRIES": "0",
    "PIP_TIMEOUT": "2",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
INSTALL = "import sys; from sagemaker_containers import _modules; _modules.prepare(sys.argv[1], 'inference'); _modules.install(sys.argv[1], capture_error=True)"


@pytest.fixture(scope="module")
def pip_25_3(sklearn_stack) -> Path:
    """The pip release that broke offline installs, as a wheel (importable straight from PYTHONPATH)."""
    wheels = serving_stacks.STACKS_DIR / "wheels"
    wheel = wheels / "pip-25.3-py3-none-any.whl"
    if not wheel.exists():
        subprocess.run([str(sklearn_stack), "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(wheels), "pip==25.3"],
                       check=True, capture_output=True, timeout=300)
    return wheel


def install_offline(stack_python: Path, scratch: Path, extra_env: dict, pip_wheel: Path | None = None):
    python = serving_runtime.overlay_venv(stack_python, scratch / "venv")
    code = scratch / "code"
    code.mkdir()
    shutil.copy(DEFAULT_CODE_DIR / "inference.py", code)
    env = {"PATH": os.environ["PATH"], "HOME": str(scratch), **OFFLINE, **extra_env}
    if pip_wheel is not None:
        env["PYTHONPATH"] = str(pip_wheel)  # `python -m pip` in _modules.install now runs this pip
    version = subprocess.run([str(python), "-m", "pip", "--version"], env=env, capture_output=True, text=True,
                             timeout=60).stdout
    result = subprocess.run([str(python), "-c", INSTALL, str(code)], env=env, capture_output=True, text=True, timeout=180)
    return version, result


def test_pip_25_2_builds_the_handler_offline(sklearn_stack, tmp_path):
    version, result = install_offline(sklearn_stack, tmp_path, {})
    assert version.startswith("pip 25.2")
    assert result.returncode == 0, result.stderr[-2000:]


def test_fails_offline_with_pip_25_3_and_no_model_environment(sklearn_stack, pip_25_3, tmp_path):
    version, result = install_offline(sklearn_stack, tmp_path, {}, pip_25_3)
    assert version.startswith("pip 25.3")
    assert result.returncode != 0
    assert "build dependencies" in result.stderr + result.stdout


@pytest.mark.parametrize("network_isolation", [True, False])
def test_pip_25_3_builds_the_handler_offline_with_the_model_environment(sklearn_stack, pip_25_3, tmp_path,
                                                                       network_isolation):
    environment = handler_environment("inference.py", None, network_isolation=network_isolation)
    pip_env = {key: value for key, value in environment.items() if key.startswith("PIP_")}
    version, result = install_offline(sklearn_stack, tmp_path, pip_env, pip_25_3)
    assert version.startswith("pip 25.3")
    assert result.returncode == 0, result.stderr[-2000:]
