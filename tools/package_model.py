"""Build a reproducible model.tar.gz for SageMaker's framework containers.

    python -m tools.package_model --model-dir build/demo-model --out build/model.tar.gz
        [--source-dir my_handler --entry-point serve.py | --builtin-handler]

The archive holds every file of the model directory (the model file, schema.json, anything else the
model needs) at its root, and the handler's whole source directory (entry point, sibling modules,
requirements.txt, data files) under code/, which is where SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code
points. --builtin-handler packs no code/: the framework image's own handler serves the model.
Entries are sorted and their times, owners and modes fixed, and the gzip header carries no time or
name, so the same inputs always give the same bytes: the CDK file asset built from it changes hash
only when its content changes.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path
from typing import Optional

from paths import PROJECT_ROOT

REPO_ROOT = PROJECT_ROOT
DEFAULT_CODE_DIR = REPO_ROOT / "inference_code"
DEFAULT_ENTRY_POINT = "inference.py"
# Files of inference_code/ that only the app imports (the image versions); they stay out of code/.
APP_ONLY_FILES = ("__init__.py", "framework.py")
CODE_PREFIX = "code"
MODEL_FILES = ("model.joblib", "model.pkl", "xgboost-model")
SCHEMA_FILE = "schema.json"

# 1980-01-01: a fixed, harmless timestamp (zip tools reject anything earlier).
FIXED_MTIME = 315532800
GZIP_LEVEL = 9


class PackagingError(Exception):
    """A model or code directory that cannot be packaged; the message says what to fix."""


def _files_under(root: Path) -> list[tuple[str, Path]]:
    """(relative posix name, path) of every regular file under root, sorted; litter skipped, links refused."""
    entries = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts) or path.suffix == ".pyc":
            continue  # editor, OS and interpreter litter must not change the artifact's hash
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise PackagingError(f"{path} is not a regular file; copy its target into {root}")
        if path.is_file():
            entries.append((relative.as_posix(), path))
    return entries


def source_entries(source_dir: Path, entry_point: str = DEFAULT_ENTRY_POINT) -> list[tuple[str, Path]]:
    """The handler's whole source directory, relative to it: what goes under code/ (or in sourcedir.tar.gz)."""
    if not source_dir.is_dir():
        raise PackagingError(f"handler source directory {source_dir} does not exist")
    if not (source_dir / entry_point).is_file():
        raise PackagingError(f"{source_dir} has no entry point {entry_point}")
    app_only = APP_ONLY_FILES if source_dir.resolve() == DEFAULT_CODE_DIR.resolve() else ()
    return [(name, path) for name, path in _files_under(source_dir) if name not in app_only]


def collect_entries(model_dir: Path, code_dir: Optional[Path] = DEFAULT_CODE_DIR,
                    entry_point: str = DEFAULT_ENTRY_POINT) -> list[tuple[str, Path]]:
    """(archive name, source file) pairs, sorted by archive name. code_dir None: a built-in handler, no code/."""
    if not model_dir.is_dir():
        raise PackagingError(f"model directory {model_dir} does not exist")
    entries = _files_under(model_dir)
    if any(name.split("/")[0] == CODE_PREFIX for name, _ in entries):
        raise PackagingError(
            f"{model_dir} already has a {CODE_PREFIX}/ folder; the handler is added from its source directory"
        )
    names = {name for name, _ in entries}
    model_files = [name for name in MODEL_FILES if name in names]
    if len(model_files) != 1:
        found = ", ".join(model_files) or "none"
        raise PackagingError(f"{model_dir} must hold exactly one of {', '.join(MODEL_FILES)}; found {found}")
    if code_dir is not None:
        entries += [(f"{CODE_PREFIX}/{name}", path) for name, path in source_entries(code_dir, entry_point)]
    return sorted(entries)


def _tar_info(name: str, *, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if directory else 0o644
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    return info


def build_tarball(entries: list[tuple[str, Path]]) -> bytes:
    """The gzipped tar of the entries, byte-identical for identical inputs."""
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        directories = sorted({parent.as_posix() for name, _ in entries for parent in Path(name).parents} - {"."})
        for directory in directories:
            tar.addfile(_tar_info(directory + "/", directory=True))
        for name, source in entries:
            data = source.read_bytes()
            tar.addfile(_tar_info(name, size=len(data)), io.BytesIO(data))
    gzip_buffer = io.BytesIO()
    # filename="" and mtime=0 keep the output path and build time out of the gzip header.
    with gzip.GzipFile(filename="", mode="wb", fileobj=gzip_buffer, mtime=0, compresslevel=GZIP_LEVEL) as gz:
        gz.write(tar_buffer.getvalue())
    return gzip_buffer.getvalue()


def write_atomically(out: Path, data: bytes) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, out)
    return hashlib.sha256(data).hexdigest()


def package_source(source_dir: Path, out: Path, entry_point: str = DEFAULT_ENTRY_POINT) -> str:
    """sourcedir.tar.gz: the handler's source directory alone, at the archive root, as the SDKs upload it
    for SAGEMAKER_SUBMIT_DIRECTORY=s3://... (how multi-model endpoints get their handler at start)."""
    return write_atomically(out, build_tarball(source_entries(source_dir, entry_point)))


def package(model_dir: Path, out: Path, code_dir: Optional[Path] = DEFAULT_CODE_DIR,
            entry_point: str = DEFAULT_ENTRY_POINT) -> str:
    """Write the archive to out (atomically) and return its sha256. code_dir None: no code/ (built-in handler)."""
    entries = collect_entries(model_dir, code_dir, entry_point)
    if not any(name == SCHEMA_FILE for name, _ in entries):
        print(
            f"note: {model_dir} has no {SCHEMA_FILE}; requests must send values in training column order",
            file=sys.stderr,
        )
    return write_atomically(out, build_tarball(entries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.package_model", description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, type=Path, help="directory holding the model file and schema.json")
    parser.add_argument("--out", required=True, type=Path, help="path of the model.tar.gz to write")
    handler = parser.add_mutually_exclusive_group()
    handler.add_argument(
        "--source-dir", "--code-dir", type=Path, default=DEFAULT_CODE_DIR,
        help="the handler's source directory, packed whole under code/ "
             f"(default: {DEFAULT_CODE_DIR.relative_to(REPO_ROOT)}, the project's handler)",
    )
    handler.add_argument("--builtin-handler", action="store_true",
                         help="pack no code/: the framework image's built-in handler serves the model")
    parser.add_argument("--entry-point", default=DEFAULT_ENTRY_POINT,
                        help=f"the handler file in --source-dir (default {DEFAULT_ENTRY_POINT}); set the model's "
                             "handler.entry_point in config to the same name")
    args = parser.parse_args(argv)
    try:
        digest = package(args.model_dir, args.out, None if args.builtin_handler else args.source_dir, args.entry_point)
    except PackagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} sha256={digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
