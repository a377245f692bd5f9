"""What a SageMaker serving container answers for one request: the emulator's only model runtime.

Every prediction the local emulator makes (InvokeEndpoint, InvokeEndpointAsync's output object, and each
request of a transform job) goes through `invoke`. Keep this boundary narrow: the caller resolves which
artifact and environment a request reaches (endpoint -> variant -> model or model package -> model.tar.gz);
this module only answers "given this model.tar.gz and this container environment, what does the container
return for this body".

Today it runs the repository's handler through the sagemaker-inference Transformer, the path the framework
images use (tools/toolkit_service.py, also behind `make serve`), in this process. The real-serving work
(issue 13) replaces the implementation with the AWS serving stacks at the versions the images pin; the
signature stays.

Limits of this implementation: the handler module is imported once per process under its program name
(inference.py), as one container serves one program, so artifacts carrying different handler code are all
served by the first one loaded; the container's environment is checked for SAGEMAKER_PROGRAM only.
"""

from __future__ import annotations

import hashlib
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Mapping, Optional

from tools.toolkit_service import PROGRAM, HandlerService

# One worker thread runs every request: the toolkit's module state is process-wide, and the emulator serves
# requests inside Flask's request context, which the handler would take for the sklearn image's Flask worker
# (it answers rejections as values there); a fresh thread carries no request context.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-runtime")
_services: dict[str, HandlerService] = {}
_workdir: Optional[tempfile.TemporaryDirectory] = None


def invoke(model_artifact: bytes, environment: Mapping[str, str], body: bytes, content_type: str,
           accept: Optional[str] = None) -> tuple[int, bytes, str]:
    """One POST /invocations to a container serving `model_artifact` (a model.tar.gz) with `environment`.

    Returns (HTTP status, response body, response content type), as the container would send them; a
    model that cannot load answers 500 with the reason, as a container whose model_fn raised does.
    """
    program = environment.get("SAGEMAKER_PROGRAM")
    if program != PROGRAM:
        return 500, f"the container finds no handler: SAGEMAKER_PROGRAM is {program!r}, expected {PROGRAM!r}".encode(), \
            "text/plain"
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    return _worker.submit(_invoke, model_artifact, body, headers).result()


def _invoke(model_artifact: bytes, body: bytes, headers: dict) -> tuple[int, bytes, str]:
    try:
        service = _service_for(model_artifact)
    except Exception as error:  # whatever model_fn or unpacking raised: the container would not be healthy
        return 500, f"model failed to load: {type(error).__name__}: {error}".encode(), "text/plain"
    response = service.invoke(body, headers)
    return response.status_code, response.body, response.content_type or "application/octet-stream"


def _service_for(model_artifact: bytes) -> HandlerService:
    global _workdir
    digest = hashlib.sha256(model_artifact).hexdigest()
    if digest not in _services:
        if _workdir is None:
            _workdir = tempfile.TemporaryDirectory(prefix="local-runtime-")
        model_dir = Path(_workdir.name) / digest
        model_dir.mkdir(exist_ok=True)  # a failed earlier load may have left it
        archive_path = model_dir.parent / f"{digest}.tar.gz"
        archive_path.write_bytes(model_artifact)
        # SageMaker unpacks model.tar.gz into /opt/ml/model; the data filter refuses links and paths outside it.
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(model_dir, filter="data")
        _services[digest] = HandlerService(model_dir)
    return _services[digest]
