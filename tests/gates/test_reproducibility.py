"""Reproducibility gate: the demo model's bytes and every template are the same on any machine.

A second machine is simulated by a second BLAS kernel: OpenBLAS picks its kernel per CPU, and
`OPENBLAS_CORETYPE` forces another one, which sums floats in another order. The demo model is built in
fresh interpreters under several kernels and thread counts, and the whole app is synthesized once more
in a clean copy of the project under a kernel other than this machine's; both must give the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paths import PROJECT_ROOT
from tests.conftest import DEMO_MODEL

# x86_64 OpenBLAS kernels, oldest first; a machine accepts those its CPU can run.
CANDIDATE_KERNELS = ("Prescott", "Nehalem", "Sandybridge", "Haswell", "SkylakeX", "Zen", "Cooperlake")
THREAD_COUNTS = (1, 2)
BUILD_TIMEOUT_S = 180
SYNTH_TIMEOUT_S = 600

_PROBE = """
import json, sys
import numpy  # loads numpy's OpenBLAS
from threadpoolctl import threadpool_info
print(json.dumps(sorted({i.get("architecture") or "" for i in threadpool_info() if i["internal_api"] == "openblas"})))
"""

_BUILD = """
import sys
from pathlib import Path
from tools import package_model, train_demo
out = Path(sys.argv[1])
print(package_model.package(train_demo.train(out / "model"), out / "model.tar.gz"))
"""

_RAW_FIT = """
import hashlib
from tools import train_demo
model = train_demo.fit()
print(hashlib.sha256(b"".join(step.__dict__[n].tobytes() for _, step in model.steps
                              for n in sorted(step.__dict__) if n in ("coef_", "intercept_"))).hexdigest())
"""


def blas_env(kernel: str | None, threads: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "OMP_"))}
    if kernel:
        env["OPENBLAS_CORETYPE"] = kernel
    if threads:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    return env


def run_python(code: str, *args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT,
               timeout: float = BUILD_TIMEOUT_S) -> str:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def default_kernel() -> str:
    """The kernel OpenBLAS picks on this machine when nobody forces one."""
    return json.loads(run_python(_PROBE, env=blas_env(None)))[0]


@pytest.fixture(scope="module")
def kernels() -> list[str]:
    """The candidate kernels this machine's OpenBLAS really runs (it silently falls back on the others)."""
    accepted = [k for k in CANDIDATE_KERNELS
                if json.loads(run_python(_PROBE, env=blas_env(k))) == [k]]
    if len(accepted) < 3:
        pytest.fail(f"this machine's OpenBLAS runs only {accepted} of {CANDIDATE_KERNELS}; the gate needs three")
    return accepted


def test_the_kernels_really_compute_differently(kernels):
    """Negative control: without rounding, the fitted coefficients differ between kernels, so the next test
    can fail, and its one sha256 is the rounding's doing."""
    raw = {kernel: run_python(_RAW_FIT, env=blas_env(kernel, 1)) for kernel in kernels}
    assert len(set(raw.values())) > 1, raw


def test_demo_tarball_has_one_sha256_under_every_kernel_and_thread_count(kernels, tmp_path):
    chosen = kernels[:1] + kernels[len(kernels) // 2:len(kernels) // 2 + 1] + kernels[-1:]
    digests = {
        (kernel, threads): run_python(_BUILD, str(tmp_path / f"{kernel}-{threads}"), env=blas_env(kernel, threads))
        for kernel in chosen for threads in THREAD_COUNTS
    }
    assert len(set(digests.values())) == 1, digests
    # ... and it is the artifact this session's synth published as Dev's asset.
    assert set(digests.values()) == {hashlib.sha256(DEMO_MODEL.read_bytes()).hexdigest()}


def test_rounding_keeps_the_model_s_predictions():
    from sklearn.datasets import load_breast_cancer

    from tools import train_demo

    dataset = load_breast_cancer()
    raw = train_demo.fit()
    expected, expected_proba = raw.predict(dataset.data), raw.predict_proba(dataset.data)
    rounded = train_demo.quantize_fitted(raw)
    assert (rounded.predict(dataset.data) == expected).all()
    assert abs(rounded.predict_proba(dataset.data) - expected_proba).max() < 1e-6
    assert rounded.score(dataset.data, dataset.target) > 0.95


def test_rounding_is_to_significant_digits():
    import numpy as np

    from tools.train_demo import round_significant

    assert round_significant(np.array([123456.789, 0.000123456789, -1.00000000049])).tolist() == \
        [123456.79, 0.00012345679, -1.0]
    assert round_significant(0.1 + 0.2) == 0.3


# --- templates --------------------------------------------------------------------------------------------


def template_files(outdir: Path) -> dict[str, bytes]:
    return {path.relative_to(outdir).as_posix(): path.read_bytes()
            for path in sorted(outdir.rglob("*.template.json"))}


def differing_templates(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    """Template files present in only one synth, or whose bytes differ."""
    return sorted(name for name in first.keys() | second.keys() if first.get(name) != second.get(name))


def project_copy(destination: Path) -> Path:
    """The project's files as git sees them (tracked, plus untracked not ignored): no build/, no cdk.out."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=PROJECT_ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = PROJECT_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def test_synth_under_another_kernel_gives_byte_identical_templates(synthesized, default_kernel, kernels, tmp_path):
    """A second machine in miniature: a clean copy of the project builds its own demo model and synthesizes
    the whole app (`python app.py`, as the CDK CLI runs it) under a kernel this machine would not pick."""
    other = next(kernel for kernel in kernels if kernel != default_kernel)
    copy = project_copy(tmp_path / "project")
    env = blas_env(other)
    env.pop("CDK_OUTDIR", None)
    env.update({name: "" for name in env if name.endswith("_ACCOUNT_ID")})  # no per-run account override
    run_python(_BUILD, str(copy / "build" / "demo-model"), env=env, cwd=copy)
    shutil.move(copy / "build" / "demo-model" / "model.tar.gz", copy / DEMO_MODEL.relative_to(PROJECT_ROOT))
    outdir = tmp_path / "cdk.out"
    subprocess.run([sys.executable, "app.py"], cwd=copy, env={**env, "CDK_OUTDIR": str(outdir)}, check=True,
                   capture_output=True, timeout=SYNTH_TIMEOUT_S)
    here, there = template_files(synthesized.outdir), template_files(outdir)
    assert len(here) > 10
    assert differing_templates(here, there) == []


def test_template_comparison_fails_on_any_changed_byte(synthesized):
    here = template_files(synthesized.outdir)
    name = next(iter(here))
    changed = {**here, name: here[name].replace(b'"', b"'", 1)}
    assert differing_templates(here, changed) == [name]
    assert differing_templates(here, {k: v for k, v in here.items() if k != name}) == [name]
