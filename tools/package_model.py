"""Build a reproducible model.tar.gz for SageMaker's framework containers.

    python -m tools.package_model --model-dir build/demo-model --out build/model.tar.gz

The archive holds every file of the model directory (the model file, schema.json, anything else the
model needs) at its root, and the handler under code/ (inference.py, requirements.txt), which is
where SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code points. Entries are sorted and their times,
owners and modes fixed, and the gzip header carries no time or name, so the same inputs always give
the same bytes: the CDK file asset built from it changes hash only when its content changes.
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

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CODE_DIR = REPO_ROOT / "inference_code"
CODE_FILES = ("inference.py", "requirements.txt")
CODE_PREFIX = "code"
MODEL_FILES = ("model.joblib", "model.pkl", "xgboost-model")
SCHEMA_FILE = "schema.json"

# 1980-01-01: a fixed, harmless timestamp (zip tools reject anything earlier).
FIXED_MTIME = 315532800
GZIP_LEVEL = 9


class PackagingError(Exception):
    """A model or code directory that cannot be packaged; the message says what to fix."""


def collect_entries(model_dir: Path, code_dir: Path = DEFAULT_CODE_DIR) -> list[tuple[str, Path]]:
    """(archive name, source file) pairs, sorted by archive name."""
    if not model_dir.is_dir():
        raise PackagingError(f"model directory {model_dir} does not exist")
    entries = []
    for path in sorted(model_dir.rglob("*")):
        relative = path.relative_to(model_dir)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue  # editor and OS litter must not change the artifact's hash
        if relative.parts[0] == CODE_PREFIX:
            raise PackagingError(
                f"{model_dir} already has a {CODE_PREFIX}/ folder; the handler is added from {code_dir}"
            )
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise PackagingError(f"{path} is not a regular file; copy its target into the model directory")
        if path.is_file():
            entries.append((relative.as_posix(), path))
    names = {name for name, _ in entries}
    model_files = [name for name in MODEL_FILES if name in names]
    if len(model_files) != 1:
        found = ", ".join(model_files) or "none"
        raise PackagingError(f"{model_dir} must hold exactly one of {', '.join(MODEL_FILES)}; found {found}")
    if not (code_dir / "inference.py").is_file():
        raise PackagingError(f"{code_dir} has no inference.py")
    for name in CODE_FILES:
        if (code_dir / name).is_file():
            entries.append((f"{CODE_PREFIX}/{name}", code_dir / name))
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


def package(model_dir: Path, out: Path, code_dir: Path = DEFAULT_CODE_DIR) -> str:
    """Write the archive to out (atomically) and return its sha256."""
    entries = collect_entries(model_dir, code_dir)
    if not any(name == SCHEMA_FILE for name, _ in entries):
        print(
            f"note: {model_dir} has no {SCHEMA_FILE}; requests must send values in training column order",
            file=sys.stderr,
        )
    data = build_tarball(entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, out)
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.package_model", description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, type=Path, help="directory holding the model file and schema.json")
    parser.add_argument("--out", required=True, type=Path, help="path of the model.tar.gz to write")
    parser.add_argument(
        "--code-dir", type=Path, default=DEFAULT_CODE_DIR,
        help=f"directory with inference.py and requirements.txt (default: {DEFAULT_CODE_DIR.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args(argv)
    try:
        digest = package(args.model_dir, args.out, args.code_dir)
    except PackagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} sha256={digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
