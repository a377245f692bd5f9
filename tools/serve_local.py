"""Serve a model locally through its framework image's own serving code (GET /ping, POST /invocations).

    python -m tools.serve_local --model-dir build/demo-model.tar.gz [--port 8080]
        [--framework sklearn --version 1.2-1] [--entry-point inference.py | --builtin-handler]

--model-dir is a model.tar.gz or an unpacked model directory. The model runs in the image's server
(gunicorn + Flask via sagemaker-containers, on the image's Python and pins; tools/serving_stacks), bound
to 127.0.0.1, exactly as its config would deploy it: the handler is the artifact's own code/<entry point>,
or the framework's built-in handler when it has no code/. Nothing is substituted: an artifact the image
could not serve fails here too. --port 0 picks a free port; the first stdout line names the URL.
"""
from __future__ import annotations

import argparse
import signal
import sys
import tarfile
from pathlib import Path

from sagemaker_serving_cdk.rules.handler import handler_environment
from tools import serving_runtime, serving_stacks

XGBOOST_MODEL_FILE = "xgboost-model"


def _artifact_names(path: Path) -> list[str]:
    if path.is_dir():
        return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    if not tarfile.is_tarfile(path):
        raise SystemExit(f"error: {path} is neither a model directory nor a model.tar.gz")
    with tarfile.open(path) as archive:
        return sorted(member.name for member in archive.getmembers() if member.isfile())


def handler_for(names: list[str], entry_point: str | None, builtin: bool) -> str | None:
    """The entry point the artifact's code/ provides (None: built-in handler), or an error saying why not."""
    code = [name[len("code/"):] for name in names if name.startswith("code/")]
    if builtin:
        if code:
            raise SystemExit(f"error: --builtin-handler, but the artifact carries code/ ({', '.join(code[:5])}); "
                             "the image would not run it")
        return None
    if entry_point is not None:
        if entry_point not in code:
            raise SystemExit(f"error: the artifact has no code/{entry_point}; its code/: {', '.join(code) or 'none'}")
        return entry_point
    if not code:
        return None  # no handler packed: the framework's built-in handler, as the image would
    if "inference.py" in code:
        return "inference.py"
    raise SystemExit(f"error: name the handler with --entry-point; the artifact's code/ holds {', '.join(code[:8])}")


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.serve_local", description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, type=Path, help="model.tar.gz or model directory")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0 picks a free one)")
    parser.add_argument("--framework", choices=sorted({s.framework for s in serving_stacks.STACKS.values()}),
                        help="image framework (default: xgboost for an xgboost-model, else sklearn)")
    parser.add_argument("--version", help="image version (default: the one inference_code/framework.py pins)")
    handler = parser.add_mutually_exclusive_group()
    handler.add_argument("--entry-point", help="the handler in the artifact's code/ (default: inference.py if present)")
    handler.add_argument("--builtin-handler", action="store_true", help="serve with the framework's built-in handler")
    args = parser.parse_args(argv)

    names = _artifact_names(args.model_dir)
    framework = args.framework or ("xgboost" if XGBOOST_MODEL_FILE in names else "sklearn")
    version = args.version or next(s.version for s in serving_stacks.STACKS.values() if s.framework == framework)
    entry_point = handler_for(names, args.entry_point, args.builtin_handler)
    environment = handler_environment(entry_point, None, network_isolation=False)
    described = f"its handler code/{entry_point}" if entry_point else "the framework's built-in handler"
    print(f"starting the {framework} {version} image's server for {args.model_dir} with {described} ...",
          file=sys.stderr, flush=True)
    try:
        server = serving_runtime.start(args.model_dir, framework=framework, version=version, environment=environment,
                                       port=args.port)
    except (serving_runtime.ServingError, serving_stacks.StackError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        print(f"serving {args.model_dir} on {server.url} (GET /ping, POST /invocations); PID {server.pid}", flush=True)
        server.process.wait()
        print(f"error: the server exited with {server.process.returncode}:\n{server.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
