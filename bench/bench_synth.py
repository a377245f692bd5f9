"""Synth benchmark: the real app (`app.py`: every stage, the pipeline, the compliance packs) against the true
floor, an app as `cdk init app --language python` writes it (imports `aws_cdk` only; one stack, one queue).

Both run the way `cdk synth` runs an app: a fresh `python app.py` with the CLI's environment (CDK_OUTDIR and
cdk.json's context in CDK_CONTEXT_JSON), so both get the same feature flags and the same built-in
CloudFormation validation. Runs are paired (floor and app back to back, the order alternating) and each pair
gives a ratio; the median of those ratios is the figure, for CPU time (user+sys of the process tree, the jsii
Node child included: steady on a loaded machine) and wall time. Goal: the app at most 1.5x the floor.

`--validation both` also measures both apps with the built-in validation off (CDK_VALIDATION=false), to show
what that engine costs; `cdk synth` keeps it on.

Usage: python bench/bench_synth.py [--runs N] [--validation on|off|both]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5

# What `cdk init app --language python` generates (app.py and the stack module in one file), with its
# commented-out sample queue in: CloudFormation rejects a stack without resources.
FLOOR_APP = '''
import aws_cdk as cdk
from aws_cdk import Duration, Stack, aws_sqs as sqs
from constructs import Construct


class FloorStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sqs.Queue(self, "FloorQueue", visibility_timeout=Duration.seconds(300))


app = cdk.App()
FloorStack(app, "FloorStack")
app.synth()
'''


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float


def synth_once(app_file: Path, *, validation: bool) -> Run:
    """One `cdk synth`-style run of `python app_file` in ROOT; raises with its stderr if the app fails."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, "CDK_OUTDIR": outdir, "CDK_CONTEXT_JSON": json.dumps(context),
               "PYTHONDONTWRITEBYTECODE": "1"}
        if not validation:
            env["CDK_VALIDATION"] = "false"  # aws-cdk-lib: skips the built-in CloudFormation validation only
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(app_file)], cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{app_file.name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall=wall, cpu=cpu)


def paired_runs(floor: Path, app: Path, runs: int, *, validation: bool) -> list[tuple[Run, Run]]:
    pairs = []
    for index in range(runs):
        if index % 2 == 0:  # alternate the order so a drift in machine load favours neither side
            base, whole = synth_once(floor, validation=validation), synth_once(app, validation=validation)
        else:
            whole, base = synth_once(app, validation=validation), synth_once(floor, validation=validation)
        pairs.append((base, whole))
    return pairs


def report(pairs: list[tuple[Run, Run]], *, validation: bool) -> float:
    """Prints the medians and the median per-pair ratio; returns that ratio for CPU time."""
    print(f"\nbuilt-in CloudFormation validation {'on' if validation else 'off'} (both apps), {len(pairs)} pairs")
    print(f"{'':<34}{'CPU s':>8}{'wall s':>8}")
    for label, side in (("floor (cdk init app, 1 queue)", 0), ("app.py (stages, pipeline, nag)", 1)):
        print(f"{label:<34}{statistics.median(p[side].cpu for p in pairs):>8.2f}"
              f"{statistics.median(p[side].wall for p in pairs):>8.2f}")
    ratios = {kind: sorted(getattr(w, kind) / getattr(b, kind) for b, w in pairs) for kind in ("cpu", "wall")}
    for kind, values in ratios.items():
        print(f"ratio app/floor, {kind:<4} median {statistics.median(values):.2f}x "
              f"(pairs {', '.join(f'{v:.2f}' for v in values)})")
    return statistics.median(ratios["cpu"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="pairs per validation setting (default 3)")
    parser.add_argument("--validation", choices=("on", "off", "both"), default="on",
                        help="the built-in CloudFormation validation for both apps (default on, as `cdk synth`)")
    args = parser.parse_args()
    settings = {"on": [True], "off": [False], "both": [True, False]}[args.validation]

    app = ROOT / "app.py"
    with tempfile.TemporaryDirectory() as scratch:
        floor = Path(scratch) / "app.py"
        floor.write_text(FLOOR_APP)
        synth_once(floor, validation=True)  # warm the file-system cache so neither side pays for it
        ratios = {validation: report(paired_runs(floor, app, args.runs, validation=validation), validation=validation)
                  for validation in settings}
    for validation, ratio in ratios.items():
        verdict = "meets" if ratio <= GOAL else "misses"
        print(f"validation {'on' if validation else 'off'}: CPU ratio {ratio:.2f}x {verdict} the goal of {GOAL:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
