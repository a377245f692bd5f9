"""Virtual environments holding the serving code of SageMaker's framework images, from PyPI, without Docker.

    python -m tools.serving_stacks install [sklearn-1.2-1 xgboost-3.0-5]   # default: all; prints time taken

Each stack is a pinned requirements file in this folder (the image's own pins, see
inference_code/framework.py), installed on the image's Python version (a pyenv interpreter such as
/root/.pyenv/versions/3.9.18; interpreters are never downloaded) into
build/serving-stacks/<stack>-<sha256 of the file>/. An unchanged file reuses its venv; an edited one
gets a new venv. `entry/` holds the few lines of glue each image adds on top of those packages
(its own container package is not published on PyPI); the stack's Python runs them.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from inference_code.framework import IMAGE_PINS

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
ENTRY_DIR = HERE / "entry"
STACKS_DIR = REPO_ROOT / "build" / "serving-stacks"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions"
INSTALL_TIMEOUT_SECONDS = 900
MARKER = ".installed.json"


class StackError(Exception):
    """A stack that cannot be installed here; the message says what is missing."""


@dataclass(frozen=True)
class Stack:
    framework: str
    version: str

    @property
    def name(self) -> str:
        return f"{self.framework}-{self.version}"

    @property
    def requirements(self) -> Path:
        return HERE / f"{self.name}.txt"

    @property
    def image_pins(self) -> dict[str, str]:
        return {k: v for k, v in IMAGE_PINS[(self.framework, self.version)].items() if k != "python"}

    @property
    def python_version(self) -> str:
        return IMAGE_PINS[(self.framework, self.version)]["python"]

    @property
    def venv(self) -> Path:
        digest = hashlib.sha256(self.requirements.read_bytes()).hexdigest()[:12]
        return STACKS_DIR / f"{self.name}-{digest}"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


STACKS = {stack.name: stack for stack in (Stack("sklearn", "1.2-1"), Stack("xgboost", "3.0-5"))}


def stack_for(framework: str, version: str) -> Stack:
    stack = STACKS.get(f"{framework}-{version}")
    if stack is None:
        raise StackError(
            f"no local serving stack for the {framework} {version} image; available: {', '.join(sorted(STACKS))}"
        )
    return stack


def requirement_pins(path: Path) -> dict[str, str]:
    """name (lower case) -> exact version of every `name==version` line of a requirements file."""
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def pin_drift(declared: dict[str, str], required: dict[str, str], installed: dict[str, str],
              python_version: str) -> list[str]:
    """Where a stack differs from its image's declared pins: the Python, the requirements file, the venv."""
    problems = []
    if python_version != declared["python"]:
        problems.append(f"Python: the image runs {declared['python']}, the stack {python_version}")
    for name, version in declared.items():
        if name == "python":
            continue
        if required.get(name) != version:
            problems.append(f"{name}: the image pins {version}, the requirements file {required.get(name, 'nothing')}")
        if installed.get(name) != version:
            problems.append(f"{name}: the image pins {version}, the stack has {installed.get(name, 'nothing')}")
    return problems


def find_interpreter(version: str) -> Path:
    """The newest pyenv CPython `version`.x, else `python<version>` on PATH."""
    candidates = sorted(
        (path for path in PYENV_VERSIONS.glob(f"{version}.*") if (path / "bin" / "python").exists()),
        key=lambda path: tuple(int(part) for part in path.name.split(".") if part.isdigit()),
    )
    if candidates:
        return candidates[-1] / "bin" / "python"
    found = shutil.which(f"python{version}")
    if found:
        return Path(found)
    raise StackError(
        f"the image runs Python {version}, which this machine lacks: install it (e.g. `pyenv install {version}`) "
        f"or put python{version} on PATH"
    )


def _patch_like_the_image(stack: Stack) -> None:
    """Source fixes the image's Dockerfile applies after pip install (same edit, same file)."""
    if stack.framework == "xgboost":
        # docker/3.0-5/final/Dockerfile.cpu: sed collections.Mapping -> collections.abc.Mapping (Python 3.10)
        site = next((stack.venv / "lib").glob("python3.*/site-packages"))
        mapping = site / "sagemaker_containers" / "_mapping.py"
        mapping.write_text(re.sub(r"collections\.Mapping", "collections.abc.Mapping", mapping.read_text()))


def ensure(stack: Stack, *, quiet: bool = True) -> Path:
    """The stack's Python, installing its venv first if needed (serialised by a file lock)."""
    STACKS_DIR.mkdir(parents=True, exist_ok=True)
    with open(STACKS_DIR / f"{stack.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (stack.venv / MARKER).exists():
            return stack.python
        if stack.venv.exists():  # an install that was interrupted
            shutil.rmtree(stack.venv)
        interpreter = find_interpreter(stack.python_version)
        started = time.monotonic()
        subprocess.run([str(interpreter), "-m", "venv", str(stack.venv)], check=True, timeout=120)
        command = [str(stack.python), "-m", "pip", "install", "--disable-pip-version-check",
                   "--no-input", "-r", str(stack.requirements)]
        result = subprocess.run(command + (["--quiet"] if quiet else []), capture_output=quiet, text=True,
                                timeout=INSTALL_TIMEOUT_SECONDS)
        if result.returncode != 0:
            shutil.rmtree(stack.venv, ignore_errors=True)
            detail = "\n".join(line for line in (result.stderr or "").splitlines() if "is ignored" not in line)
            raise StackError(f"installing {stack.requirements.name} failed:\n{detail[-3000:]}")
        _patch_like_the_image(stack)
        seconds = round(time.monotonic() - started, 1)
        (stack.venv / MARKER).write_text(json.dumps({"seconds": seconds, "python": str(interpreter)}) + "\n")
        return stack.python


def install_seconds(stack: Stack) -> float | None:
    """How long the stack's first install took, from its marker (None before it is installed)."""
    marker = stack.venv / MARKER
    return json.loads(marker.read_text())["seconds"] if marker.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.serving_stacks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="install (or reuse) the stacks' venvs")
    install.add_argument("stacks", nargs="*", help=f"default: all of {', '.join(sorted(STACKS))}")
    python = sub.add_parser("python", help="print a stack's interpreter (installing it first), e.g. to run a "
                                           "benchmark in the image's own numpy and scikit-learn")
    python.add_argument("stack", choices=sorted(STACKS))
    args = parser.parse_args(argv)
    if args.command == "python":
        try:
            print(ensure(STACKS[args.stack]))
        except StackError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    unknown = sorted(set(args.stacks) - set(STACKS))
    if unknown:
        parser.error(f"unknown stack(s) {', '.join(unknown)}; choose from {', '.join(sorted(STACKS))}")
    for name in args.stacks or sorted(STACKS):
        stack = STACKS[name]
        started = time.monotonic()
        try:
            python = ensure(stack)
        except StackError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"{name}: {python} (first install {install_seconds(stack)} s; this run {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
