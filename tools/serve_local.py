"""Serve a model locally on SageMaker's container HTTP contract (GET /ping, POST /invocations).

    python -m tools.serve_local --model-dir build/demo-model [--port 8080] [--host 127.0.0.1]

--model-dir is an unpacked model directory or a model.tar.gz. Requests go through the
sagemaker-inference Transformer exactly as in the framework images, so Content-Type and Accept
handling and the 4xx status codes match what an endpoint returns. No Docker needed; bound to
127.0.0.1 unless told otherwise. --port 0 picks a free port; the first stdout line names it.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import tarfile
import tempfile
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tools.toolkit_service import HandlerService

# Batch transform's MaxPayloadInMB ceiling; real-time endpoints accept less, the container itself more.
MAX_BODY_BYTES = 100 * 1024 * 1024

log = logging.getLogger("serve_local")


class InvocationHandler(BaseHTTPRequestHandler):
    server: "ModelServer"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.split("?")[0] == "/ping":
            self._send(HTTPStatus.OK, b"", None)
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found; use GET /ping or POST /invocations\n", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        if self.path.split("?")[0] != "/invocations":
            self._discard_body()
            self._send(HTTPStatus.NOT_FOUND, b"not found; use GET /ping or POST /invocations\n", "text/plain")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.BAD_REQUEST,
                       f"Content-Length must be 0..{MAX_BODY_BYTES}\n".encode(), "text/plain")
            return
        body = self.rfile.read(length)
        started = time.perf_counter()
        try:
            response = self.server.service.invoke(body, dict(self.headers.items()))
        except Exception:  # the toolkit maps handler errors itself; this is a bug in the harness
            log.exception("invocation failed outside the handler")
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error\n", "text/plain")
            return
        log.info("POST /invocations %d %.1f ms %d bytes", response.status_code,
                 (time.perf_counter() - started) * 1000, len(body))
        content_type = response.content_type or "text/plain; charset=utf-8"  # error bodies are text
        self._send(response.status_code, response.body, content_type, response.reason)

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY_BYTES:
            self.rfile.read(length)

    def _send(self, status: int, body: bytes, content_type: str | None, reason: str | None = None) -> None:
        # A reason phrase is latin-1 on the wire; the toolkit puts the error message there.
        self.send_response(status, reason.encode("latin-1", "replace").decode("latin-1") if reason else None)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_response(self, code, message=None):  # skip http.server's per-request stderr line
        self.send_response_only(code, message)
        self.send_header("Server", "serve_local")
        self.send_header("Date", self.date_time_string())

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        log.debug(format, *args)


class ModelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: HandlerService):
        self.service = service
        super().__init__(address, InvocationHandler)


def _unpack_if_tarball(path: Path, scratch: Path) -> Path:
    if path.is_dir():
        return path
    if not tarfile.is_tarfile(path):
        raise SystemExit(f"error: {path} is neither a model directory nor a model.tar.gz")
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            if member.name.startswith(("/", "..")) or ".." in Path(member.name).parts or not (
                member.isfile() or member.isdir()
            ):
                raise SystemExit(f"error: {path} has an unsafe entry {member.name!r}")
        archive.extractall(scratch)
    return scratch


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # unwinds serve_forever so the scratch directory is removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.serve_local", description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, type=Path, help="model directory or model.tar.gz")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="serve-local-") as scratch:
        model_dir = _unpack_if_tarball(args.model_dir, Path(scratch))
        service = HandlerService(model_dir)  # loads the model before the port opens, as /ping expects
        with ModelServer((args.host, args.port), service) as server:
            host, port = server.server_address[:2]
            print(f"serving {args.model_dir} on http://{host}:{port} (GET /ping, POST /invocations)", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
