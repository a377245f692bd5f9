"""Synth benchmark: the whole app (every stage, compliance packs on) against an empty one-stack app.

Each run is a fresh Python process, as under `cdk synth`, so both pay the same interpreter and jsii
start-up; the ratio shows what our constructs and checks add. Goal: at most 1.5x the empty app.

Usage: python bench/bench_synth.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMPTY_APP = """
import sys
from aws_cdk import App, CfnWaitConditionHandle, Stack
from stacks.application import cdk_context
app = App(outdir=sys.argv[1], context=cdk_context())
# CloudFormation rejects a template without resources; a wait handle is the cheapest valid one.
CfnWaitConditionHandle(Stack(app, "Empty"), "Placeholder")
app.synth()
"""

WHOLE_APP = """
import sys
from config import ENVIRONMENTS, load_environments
from stacks.application import build_app
app, _ = build_app(load_environments(ENVIRONMENTS), outdir=sys.argv[1])
app.synth()
"""


def time_once(script: str) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", script, outdir], cwd=ROOT, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per app; the median is reported (default 3)")
    runs = parser.parse_args().runs

    time_once(EMPTY_APP)  # warm the file-system cache so neither side pays for it
    timings = {"empty one-stack app": [], "whole app (all stages)": []}
    for _ in range(runs):  # interleaved, so drift in machine load hits both alike
        timings["empty one-stack app"].append(time_once(EMPTY_APP))
        timings["whole app (all stages)"].append(time_once(WHOLE_APP))

    medians = {name: statistics.median(values) for name, values in timings.items()}
    baseline = medians["empty one-stack app"]
    print(f"{'app':<26}{'median s':>10}{'min s':>8}{'max s':>8}{'ratio':>8}")
    for name, values in timings.items():
        print(f"{name:<26}{medians[name]:>10.2f}{min(values):>8.2f}{max(values):>8.2f}{medians[name] / baseline:>7.2f}x")
    print(f"runs per app: {runs}; goal: whole app at most 1.50x the empty app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
