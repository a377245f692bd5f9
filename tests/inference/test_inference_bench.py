"""Smoke-run the benchmark on a tiny batch so it keeps working; its timings are never asserted."""
from __future__ import annotations

import subprocess
import sys

from tools.package_model import REPO_ROOT


def test_bench_runs_and_prints_ratios():
    result = subprocess.run(
        [sys.executable, "bench/bench_inference.py", "--megabytes", "0.05", "--repeats", "1",
         "--toolkit-repeats", "1", "--single-requests", "20"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "handler vs toolkit default" in result.stdout and "p99" in result.stdout
