"""Serve a model.tar.gz with the serving code of its framework image, on 127.0.0.1, without Docker.

    server = start(artifact, framework="sklearn", version="1.2-1", environment=model_env)
    reply = server.invoke(body, content_type="text/csv", accept="text/csv")   # Reply(status, reason, headers, body)
    server.stop()                                                              # by PID, bounded time

    mme = start_multi_model(framework="sklearn", version="1.2-1", environment=model_env)
    mme.load("a", "build/a.tar.gz"); mme.invoke_model("a", body, ...); mme.unload("a"); mme.stop()

The stack is the image's own serving packages at the image's pins on the image's Python
(tools/serving_stacks). The artifact is unpacked where the image unpacks it (/opt/ml/model, here under a
scratch directory that SAGEMAKER_BASE_DIR points at), and `environment` is the model's container
environment as deployed (SAGEMAKER_PROGRAM, SAGEMAKER_SUBMIT_DIRECTORY, ...): paths under /opt/ml are
mapped into the scratch directory and s3:// locations are fetched with `fetch_s3`. Without an
environment the model runs with none, exactly as the image would: no handler is ever substituted.
Each server is its own process group, started with start_new_session and stopped by its PID.
"""
from __future__ import annotations

import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional

from tools import serving_stacks

START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 15
REQUEST_TIMEOUT_SECONDS = 120
CONTAINER_ROOT = "/opt/ml"


class ServingError(Exception):
    """A server that could not start or a model it could not load; the message carries its log's tail."""


@dataclass
class Reply:
    status: int
    reason: str
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def unpack(artifact: Path, target: Path) -> Path:
    """Extract a model.tar.gz (regular files and folders only, nothing outside target) into target."""
    artifact = Path(artifact)
    if artifact.is_dir():
        shutil.copytree(artifact, target, dirs_exist_ok=True)
        return target
    if not tarfile.is_tarfile(artifact):
        raise ServingError(f"{artifact} is neither a model directory nor a model.tar.gz")
    with tarfile.open(artifact) as archive:
        for member in archive.getmembers():
            if member.name.startswith("/") or ".." in Path(member.name).parts or not (member.isfile() or member.isdir()):
                raise ServingError(f"{artifact} has an unsafe entry {member.name!r}")
        archive.extractall(target)
    return target


def free_port() -> int:
    """A free port below 32767: MMS 1.1 rejects higher ones, and the kernel's own picks are all above."""
    for candidate in random.Random().sample(range(20000, 32767), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    raise ServingError("no free port between 20000 and 32766 on 127.0.0.1")


def overlay_venv(stack_python: Path, target: Path) -> Path:
    """A per-server venv layered over the shared stack (a .pth file), so the user module the image
    pip-installs at start lands in this server's own site-packages and never in the cached stack."""
    subprocess.run([str(stack_python), "-m", "venv", "--without-pip", str(target)], check=True, timeout=60)
    stack_site = next(stack_python.parent.parent.glob("lib/python3.*/site-packages"))
    own_site = next(target.glob("lib/python3.*/site-packages"))
    (own_site / "serving-stack.pth").write_text(f"{stack_site}\n")
    return target / "bin" / "python"


@dataclass
class Server:
    """One running model server (gunicorn or MMS) in its own process group."""

    pid: int
    port: int
    scratch: Path
    log: Path
    multi_model: bool
    process: subprocess.Popen = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes = b"", headers: Optional[Mapping[str, str]] = None,
                timeout: float = REQUEST_TIMEOUT_SECONDS) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}  # MMS sends lower case
            return Reply(response.status, response.reason, headers, response.read())
        finally:
            connection.close()

    def invoke(self, body: bytes, content_type: Optional[str] = None, accept: Optional[str] = None) -> Reply:
        """POST /invocations as SageMaker's front end sends it to a single-model container."""
        return self.request("POST", "/invocations", body, _headers(content_type, accept))

    def invoke_model(self, name: str, body: bytes, content_type: Optional[str] = None,
                     accept: Optional[str] = None) -> Reply:
        """A multi-model invocation (TargetModel) through MMS's inference API."""
        return self.request("POST", f"/models/{urllib.parse.quote(name)}/invoke", body, _headers(content_type, accept))

    def load(self, name: str, artifact: Path, timeout: float = START_TIMEOUT_SECONDS) -> Path:
        """Unpack an artifact as SageMaker does under /opt/ml/models/ and register it with MMS."""
        target = self.scratch / "opt_ml" / "models" / name / "model"
        unpack(artifact, target)
        query = urllib.parse.urlencode({"model_name": name, "url": str(target)})
        reply = self.request("POST", f"/models?{query}", timeout=timeout)
        if reply.status != 200:
            raise ServingError(f"loading {name} failed: {reply.status} {reply.text}\n{self.log_tail()}")
        return target

    def unload(self, name: str) -> Reply:
        return self.request("DELETE", f"/models/{urllib.parse.quote(name)}")

    def ping(self) -> int:
        try:
            return self.request("GET", "/ping", timeout=5).status
        except OSError:
            return 0

    def worker_pids(self) -> set[int]:
        """PIDs of the Python processes under the server (gunicorn workers, MMS model workers)."""
        import psutil

        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return set()
        return {child.pid for child in children if "python" in os.path.basename(child.exe() or "")}

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM the server's process group (its PID), SIGKILL after STOP_TIMEOUT_SECONDS; remove scratch."""
        if self.process.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except ProcessLookupError:
                pass
        try:  # workers that outlived their parent are still in the group
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        shutil.rmtree(self.scratch, ignore_errors=True)


def _headers(content_type: Optional[str], accept: Optional[str]) -> dict:
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if accept is not None:
        headers["Accept"] = accept
    return headers


def container_environment(environment: Mapping[str, str], base: Path,
                          fetch_s3: Optional[Callable[[str, Path], None]] = None) -> dict:
    """The model's environment with /opt/ml paths moved under `base` and s3:// code fetched locally."""
    mapped = {}
    for key, value in environment.items():
        if value == CONTAINER_ROOT or value.startswith(CONTAINER_ROOT + "/"):
            value = str(base) + value[len(CONTAINER_ROOT):]
        elif value.startswith("s3://") and key == "SAGEMAKER_SUBMIT_DIRECTORY":
            if fetch_s3 is None:
                raise ServingError(f"{key}={value} is in S3; pass fetch_s3 to download it")
            local = base.parent / "s3" / "sourcedir.tar.gz"
            local.parent.mkdir(parents=True, exist_ok=True)
            fetch_s3(value, local)
            value = str(local)
        mapped[key] = value
    return mapped


def _launch(framework: str, version: str, environment: Mapping[str, str], *, multi_model: bool,
            artifact: Optional[Path], port: int, workers: int, timeout: float,
            fetch_s3: Optional[Callable[[str, Path], None]]) -> Server:
    stack = serving_stacks.stack_for(framework, version)
    stack_python = serving_stacks.ensure(stack)
    scratch = Path(tempfile.mkdtemp(prefix=f"serving-{stack.name}-"))
    try:
        base = scratch / "opt_ml"
        (base / "models").mkdir(parents=True)
        (scratch / "tmp").mkdir()
        if artifact is not None:
            unpack(artifact, base / "model")
        python = overlay_venv(stack_python, scratch / "venv")
        port = port or free_port()
        env = {
            "PATH": f"{python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", str(scratch)),
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "UTF-8",  # as the images set them
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
            "TMPDIR": str(scratch / "tmp"), "TEMP": str(scratch / "tmp"),  # MMS keeps its pid file there
            "PIP_CONFIG_FILE": os.devnull,  # the image has no pip config; this host's would leak in
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "SAGEMAKER_BASE_DIR": str(base),
            "SAGEMAKER_BIND_TO_PORT": str(port),
            "SAGEMAKER_MODEL_SERVER_WORKERS": str(workers),
            "SAGEMAKER_FRAMEWORK": framework,
        }
        if os.environ.get("JAVA_HOME"):
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        if multi_model:
            env["SAGEMAKER_MULTI_MODEL"] = "true"
        env.update(container_environment(environment, base, fetch_s3))
        log = scratch / "server.log"
        command = [str(python), str(serving_stacks.ENTRY_DIR / "launch.py"), "--port", str(port), "--scratch", str(scratch)]
        if multi_model:
            command.append("--multi-model")
        with open(log, "wb") as log_handle:
            process = subprocess.Popen(command, env=env, cwd=scratch, stdout=log_handle, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        server = Server(process.pid, port, scratch, log, multi_model, process)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    deadline = time.monotonic() + timeout
    last = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise ServingError(f"the {stack.name} server exited with {process.returncode} before answering /ping:\n{tail}")
        last = server.ping()
        if last == 200:
            return server
        time.sleep(0.3)
    tail = server.log_tail()
    server.stop()
    answered = f"last answer {last}" if last else "no answer"
    raise ServingError(f"the {stack.name} server did not answer /ping with 200 within {timeout:.0f} s ({answered}):\n{tail}")


def _launch_on_a_port(*args, port: int, **kwargs) -> Server:
    """_launch, retried on another free port when one picked here was taken before the server bound it."""
    for attempt in range(3):
        try:
            return _launch(*args, port=port, **kwargs)
        except ServingError as error:
            if port or attempt == 2 or not any(sign in str(error) for sign in ("Address already in use", "Connection in use")):
                raise
    raise AssertionError("unreachable")


def start(artifact: Path, *, framework: str = "sklearn", version: str = "1.2-1",
          environment: Optional[Mapping[str, str]] = None, port: int = 0, workers: int = 1,
          timeout: float = START_TIMEOUT_SECONDS, fetch_s3: Optional[Callable[[str, Path], None]] = None) -> Server:
    """A single-model server (gunicorn + Flask via sagemaker-containers) for one model.tar.gz."""
    return _launch_on_a_port(framework, version, environment or {}, multi_model=False, artifact=Path(artifact),
                             port=port, workers=workers, timeout=timeout, fetch_s3=fetch_s3)


def start_multi_model(*, framework: str = "sklearn", version: str = "1.2-1",
                      environment: Optional[Mapping[str, str]] = None, port: int = 0, workers: int = 1,
                      timeout: float = START_TIMEOUT_SECONDS,
                      fetch_s3: Optional[Callable[[str, Path], None]] = None) -> Server:
    """A multi-model server (MMS + sagemaker-inference) with no model loaded yet; load() adds models."""
    return _launch_on_a_port(framework, version, environment or {}, multi_model=True, artifact=None, port=port,
                             workers=workers, timeout=timeout, fetch_s3=fetch_s3)


# -------------------------------------------------------------------------------------------- deployed models
# The emulator's InvokeEndpoint / InvokeEndpointAsync / batch transform: a model as CreateModel received it.

_IMAGE = re.compile(r"/sagemaker-(?P<repository>scikit-learn|xgboost):(?P<version>[0-9][0-9.]*-[0-9]+)(?:-|$)")
_FRAMEWORKS = {"scikit-learn": "sklearn", "xgboost": "xgboost"}


def stack_of_image(image_uri: str) -> serving_stacks.Stack:
    """The local stack for a SageMaker framework image URI (…/sagemaker-scikit-learn:1.2-1-cpu-py3)."""
    match = _IMAGE.search(image_uri)
    if match is None:
        raise ServingError(
            f"image {image_uri!r} is not a SageMaker framework image this runtime has a stack for "
            f"({', '.join(sorted(serving_stacks.STACKS))}); custom images need Docker"
        )
    return serving_stacks.stack_for(_FRAMEWORKS[match.group("repository")], match.group("version"))


class DeployedModels:
    """Servers for deployed models, each started on its first invocation and kept until close().

        models = DeployedModels(fetch_s3=lambda url, local_path: ...)   # e.g. boto3 download from the emulator's S3
        reply = models.invoke(container, body, content_type="text/csv", accept="text/csv")
        reply = models.invoke(multi_model_container, body, target_model="a/model.tar.gz")
        models.close()

    `container` is the model's PrimaryContainer as CreateModel received it: Image, ModelDataUrl,
    Environment, Mode (SingleModel | MultiModel). Multi-model invocations name the artifact under the
    ModelDataUrl prefix with target_model (InvokeEndpoint's TargetModel), loaded on first use.
    """

    def __init__(self, fetch_s3: Callable[[str, Path], None], *, timeout: float = START_TIMEOUT_SECONDS):
        self._fetch_s3, self._timeout = fetch_s3, timeout
        self._servers: dict[str, Server] = {}
        self._loaded: dict[str, set[str]] = {}
        # The emulator answers requests on many threads: one lock per deployed model, so a second request
        # waits for the server the first one is starting instead of starting another.
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._closed = False
        self._downloads = Path(tempfile.mkdtemp(prefix="deployed-models-"))

    def _key(self, container: Mapping) -> str:
        fields = (container.get("Image"), container.get("ModelDataUrl"), container.get("Mode", "SingleModel"),
                  sorted((container.get("Environment") or {}).items()))
        return repr(fields)

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            if self._closed:
                raise ServingError("the deployed models were closed (the emulator is stopping)")
            return self._locks.setdefault(key, threading.Lock())

    def _download(self, url: str) -> Path:
        handle, local = tempfile.mkstemp(suffix="-model.tar.gz", dir=self._downloads)
        os.close(handle)
        self._fetch_s3(url, Path(local))
        return Path(local)

    def server_for(self, container: Mapping) -> Server:
        """The running server for this container, started (bounded by the timeout) if it has none yet."""
        key = self._key(container)
        with self._lock(key):
            server = self._servers.get(key)
            if server is not None and server.process.poll() is None:
                return server
            if server is not None:  # it died: start it again, as SageMaker replaces an unhealthy instance
                server.stop()
            stack = stack_of_image(container["Image"])
            environment = container.get("Environment") or {}
            if container.get("Mode") == "MultiModel":
                server = start_multi_model(framework=stack.framework, version=stack.version, environment=environment,
                                           timeout=self._timeout, fetch_s3=self._fetch_s3)
                self._loaded[key] = set()
            else:
                server = start(self._download(container["ModelDataUrl"]), framework=stack.framework,
                               version=stack.version, environment=environment, timeout=self._timeout,
                               fetch_s3=self._fetch_s3)
            with self._guard:
                if self._closed:  # close() ran while this one started: nobody else will stop it
                    server.stop()
                    raise ServingError("the deployed models were closed (the emulator is stopping)")
                self._servers[key] = server
            return server

    def invoke(self, container: Mapping, body: bytes, content_type: Optional[str] = None,
               accept: Optional[str] = None, target_model: Optional[str] = None) -> Reply:
        server = self.server_for(container)
        if not server.multi_model:
            return server.invoke(body, content_type, accept)
        if not target_model:
            raise ServingError("a multi-model endpoint needs a TargetModel")
        key = self._key(container)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", target_model)
        with self._lock(key):
            loaded = self._loaded[key]
            if name not in loaded:
                server.load(name, self._download(container["ModelDataUrl"].rstrip("/") + "/" + target_model.lstrip("/")))
                loaded.add(name)
        return server.invoke_model(name, body, content_type, accept)

    def server_pids(self) -> list[int]:
        """PIDs of the running servers (each its own process group)."""
        with self._guard:
            return [server.pid for server in self._servers.values()]

    def transform(self, container: Mapping, body: bytes, content_type: Optional[str] = None,
                  accept: Optional[str] = None, *, strategy: str = "MultiRecord", max_payload_mb: int = 6) -> bytes:
        """A batch transform of one input object with SplitType=Line and AssembleWith=Line: lines go out in
        requests of at most max_payload_mb (MultiRecord; 0 = no limit) or one by one (SingleRecord), and the output holds
        one line per input line, in order. A failed request fails the object, as SageMaker does."""
        lines = [line for line in body.splitlines(keepends=True) if line.strip()]
        limit = max_payload_mb * 1024 * 1024 if max_payload_mb > 0 else float("inf")  # 0: no limit, as in SageMaker
        batches: list[list[bytes]] = []
        for line in lines:
            if strategy == "MultiRecord" and batches and sum(map(len, batches[-1])) + len(line) <= limit:
                batches[-1].append(line)
            else:
                batches.append([line])
        output = []
        for batch in batches:
            reply = self.invoke(container, b"".join(batch), content_type, accept)
            if reply.status != 200:
                raise ServingError(f"batch request of {len(batch)} line(s) failed: {reply.status} {reply.text[:500]}")
            answered = reply.body.rstrip(b"\n").split(b"\n")
            if len(answered) != len(batch):
                raise ServingError(f"{len(batch)} line(s) in, {len(answered)} out: the output would not line up")
            output.extend(answered)
        return b"\n".join(output) + (b"\n" if output else b"")

    def close(self) -> None:
        """Stop every server by its PID, all at once (each bounded by STOP_TIMEOUT_SECONDS), and refuse new ones."""
        with self._guard:
            self._closed = True
            servers = list(self._servers.values())
            self._servers.clear()
        if servers:
            with ThreadPoolExecutor(max_workers=len(servers)) as pool:
                list(pool.map(Server.stop, servers))
        shutil.rmtree(self._downloads, ignore_errors=True)
