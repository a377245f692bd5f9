"""Benchmark the inference handler against the toolkit's defaults and the raw parsing limit.

    make bench-inference      (the scikit-learn image's serving-stack Python: where the handler really runs)
    "$(.venv/bin/python -m tools.serving_stacks python sklearn-1.2-1)" bench/bench_inference.py [--megabytes 6] ...

One run times the same MultiRecord CSV batch (what batch transform sends with SplitType=Line) three ways:
  handler   inference.py: input_fn -> predict_fn -> output_fn (text/csv in and out)
  toolkit   sagemaker_inference decoder.decode (np.genfromtxt) -> model.predict -> encoder.encode
  raw       np.loadtxt -> model.predict -> "\\n".join, the floor for any CSV handler in numpy
and then the latency of single-record JSON requests (named features) through the handler alone and
through the toolkit's Transformer. Prints figures and ratios; targets: handler >= 10x faster than
toolkit, within 1.3x of raw. Timings are never asserted in tests (tests/inference only smoke-runs this).
"""
from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script (`python bench/...`): the imports below need the repo root

import numpy as np  # noqa: E402 - after the sys.path line above

from tools import train_demo  # noqa: E402 - after the sys.path line above
from tools.toolkit_service import REPO_CODE_DIR, HandlerService  # noqa: E402 - after the sys.path line above

CSV = "text/csv"
JSON = "application/json"


def make_csv_batch(data: np.ndarray, megabytes: float, seed: int = 0) -> tuple[str, int]:
    """Rows resampled from the training data, formatted as a client would send them."""
    rng = np.random.default_rng(seed)
    sample = ",".join(repr(float(value)) for value in data[0]) + "\n"
    n_rows = max(1, int(megabytes * 1_000_000 / len(sample)))
    rows = data[rng.integers(0, len(data), n_rows)]
    lines = [",".join(repr(float(value)) for value in row) for row in rows.tolist()]
    return "\n".join(lines) + "\n", n_rows


def best_and_median(samples: list[float]) -> tuple[float, float]:
    return min(samples), statistics.median(samples)


def time_batch(pipelines: dict, body: str, repeats: int, slow_repeats: int) -> dict[str, list[float]]:
    """Interleave the pipelines so drift (thermal, other load) hits them alike."""
    timings: dict[str, list[float]] = {name: [] for name in pipelines}
    outputs = {}
    for round_number in range(repeats):
        for name, run in pipelines.items():
            if name == "toolkit" and round_number >= slow_repeats:
                continue
            started = time.perf_counter()
            outputs[name] = run(body)
            timings[name].append(time.perf_counter() - started)
    lines = {name: out.rstrip("\n").count("\n") + 1 for name, out in outputs.items()}
    assert len(set(lines.values())) == 1, f"pipelines disagree on the number of output lines: {lines}"
    return timings


def latency_percentiles(call, requests: int) -> tuple[float, float]:
    for _ in range(min(200, requests)):  # warm caches and lazy imports
        call()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=6.0, help="size of the CSV batch (default 6)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of the fast pipelines (default 5)")
    parser.add_argument("--toolkit-repeats", type=int, default=2, help="timed runs of the slow toolkit baseline (default 2)")
    parser.add_argument("--single-requests", type=int, default=2000, help="single-record JSON requests timed (default 2000)")
    args = parser.parse_args(argv)

    from sagemaker_inference import decoder, encoder
    from sklearn.datasets import load_breast_cancer

    sys.path.insert(0, str(REPO_CODE_DIR))
    handler = importlib.import_module("inference")
    dataset = load_breast_cancer()

    with tempfile.TemporaryDirectory(prefix="bench-inference-") as scratch:
        model_dir = train_demo.train(Path(scratch))
        model = handler.model_fn(str(model_dir))
        estimator = model.estimator
        service = HandlerService(model_dir, code_dir=REPO_CODE_DIR)

        body, n_rows = make_csv_batch(dataset.data, args.megabytes)

        def run_handler(text: str) -> str:
            return handler.output_fn(handler.predict_fn(handler.input_fn(text, CSV), model), CSV)[0]

        def run_toolkit(text: str) -> str:
            return encoder.encode(estimator.predict(decoder.decode(text, CSV)), CSV)

        def run_raw(text: str) -> str:
            matrix = np.loadtxt(io.StringIO(text), delimiter=",")
            return "\n".join(map(str, estimator.predict(matrix).tolist()))

        pipelines = {"handler": run_handler, "toolkit": run_toolkit, "raw": run_raw}
        timings = time_batch(pipelines, body, args.repeats, args.toolkit_repeats)

        record = json.dumps(dict(zip(dataset.feature_names, dataset.data[0].tolist())))
        record_bytes = record.encode()
        headers = {"Content-Type": JSON, "Accept": JSON}
        handler_p50, handler_p99 = latency_percentiles(
            lambda: handler.output_fn(handler.predict_fn(handler.input_fn(record, JSON), model), JSON),
            args.single_requests,
        )
        service_p50, service_p99 = latency_percentiles(
            lambda: service.invoke(record_bytes, headers), args.single_requests
        )

    import sklearn

    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} cpus"
    )
    print(f"batch: {len(body) / 1e6:.2f} MB text/csv, {n_rows} records x {dataset.data.shape[1]} features, "
          "MultiRecord, text/csv out")
    best = {}
    for name in pipelines:
        fastest, median = best_and_median(timings[name])
        best[name] = fastest
        rate = len(body) / 1e6 / fastest
        print(f"  {name:8s} best {fastest * 1000:8.1f} ms  median {median * 1000:8.1f} ms  "
              f"({rate:6.1f} MB/s, {len(timings[name])} runs)")
    print(f"  handler vs toolkit default: {best['toolkit'] / best['handler']:.1f}x faster (target >= 10x)")
    print(f"  handler vs raw loadtxt:     {best['handler'] / best['raw']:.2f}x the raw time (target <= 1.3x)")
    print(f"single-record JSON (named features), {args.single_requests} requests:")
    print(f"  handler functions   p50 {handler_p50 * 1e6:7.0f} us  p99 {handler_p99 * 1e6:7.0f} us")
    print(f"  toolkit Transformer p50 {service_p50 * 1e6:7.0f} us  p99 {service_p99 * 1e6:7.0f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
