"""model.tar.gz: layout, fixed metadata, and byte-identical output for identical inputs."""
from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import tarfile

import pytest

from tools import package_model, train_demo
from tools.package_model import FIXED_MTIME, PackagingError

REPO_ROOT = package_model.REPO_ROOT


def test_train_and_package_twice_gives_identical_bytes(tmp_path):
    """The Dev file asset's hash must move only when content does."""
    digests = []
    for attempt in ("first", "second"):
        model_dir = train_demo.train(tmp_path / attempt / "model")
        digests.append(package_model.package(model_dir, tmp_path / attempt / "model.tar.gz"))
    first, second = ((tmp_path / attempt / "model.tar.gz").read_bytes() for attempt in ("first", "second"))
    assert first == second
    assert digests[0] == digests[1] == hashlib.sha256(first).hexdigest()


def test_cli_in_fresh_processes_gives_identical_bytes(tmp_path):
    """Separate interpreters (hash seeds, import order) must not leak into the artifact."""
    outputs = []
    for attempt in ("a", "b"):
        model_dir, out = tmp_path / attempt, tmp_path / f"{attempt}.tar.gz"
        for args in (["tools.train_demo", "--out", str(model_dir)],
                     ["tools.package_model", "--model-dir", str(model_dir), "--out", str(out)]):
            subprocess.run([sys.executable, "-m", *args], cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_layout_and_fixed_metadata(demo_tarball):
    with tarfile.open(demo_tarball) as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    assert names == ["code", "code/inference.py", "code/requirements.txt", "model.joblib", "schema.json"]
    for member in members:
        assert (member.mtime, member.uid, member.gid, member.uname, member.gname) == (FIXED_MTIME, 0, 0, "root", "root")
        assert member.mode == (0o755 if member.isdir() else 0o644)


def test_gzip_header_has_no_time_or_name(demo_tarball):
    header = demo_tarball.read_bytes()[:10]
    assert header[4:8] == b"\x00\x00\x00\x00"  # MTIME
    assert header[3] & 0x08 == 0  # FNAME flag unset
    gzip.decompress(demo_tarball.read_bytes())  # still a valid gzip stream


def test_code_is_packed_unchanged(demo_tarball):
    with tarfile.open(demo_tarball) as archive:
        for name in ("inference.py", "requirements.txt"):
            assert archive.extractfile(f"code/{name}").read() == (REPO_ROOT / "inference_code" / name).read_bytes()


def test_extra_model_files_are_packed_and_litter_skipped(tmp_path, demo_model_dir):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for source in demo_model_dir.iterdir():
        (model_dir / source.name).write_bytes(source.read_bytes())
    (model_dir / "assets" / "nested").mkdir(parents=True)
    (model_dir / "assets" / "nested" / "vocab.txt").write_text("a\n")
    (model_dir / ".DS_Store").write_text("litter")
    names = [name for name, _ in package_model.collect_entries(model_dir)]
    assert "assets/nested/vocab.txt" in names and ".DS_Store" not in names
    data = package_model.build_tarball(package_model.collect_entries(model_dir))
    out = tmp_path / "m.tar.gz"
    out.write_bytes(data)
    with tarfile.open(out) as archive:
        assert {"assets", "assets/nested"} <= set(archive.getnames())


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "exactly one of"),
        ({"model.joblib": b"x", "xgboost-model": b"y"}, "found model.joblib, xgboost-model"),
        ({"model.joblib": b"x", "code/inference.py": b""}, "already has a code/ folder"),
    ],
    ids=["no-model", "two-models", "own-code-dir"],
)
def test_bad_model_directories_are_refused(tmp_path, files, message):
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    with pytest.raises(PackagingError, match=message):
        package_model.collect_entries(tmp_path)


def test_cli_reports_errors_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tools.package_model", "--model-dir", str(tmp_path / "missing"), "--out", str(tmp_path / "o.tgz")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
