"""`metrics`: invocations, errors and latency per variant over the last hour (or --minutes)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence

from tools.ops.aws import Aws
from tools.ops.endpoints import describe, variants
from tools.ops.tables import render

# (metric, statistic) per column; latencies are reported by SageMaker in microseconds.
QUERIES = (
    ("Invocations", "Sum"),
    ("Invocation4XXErrors", "Sum"),
    ("Invocation5XXErrors", "Sum"),
    ("ModelLatency", "Average"),
    ("ModelLatency", "SampleCount"),
    ("ModelLatency", "Maximum"),
    ("OverheadLatency", "Average"),
)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("metrics", help="invocations, errors and latency per variant",
                                   description=__doc__)
    parser.add_argument("endpoint")
    parser.add_argument("--minutes", type=int, default=60, help="window ending now (default 60)")
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class VariantMetrics:
    variant: str
    invocations: float
    errors_4xx: float
    errors_5xx: float
    model_latency_avg_ms: Optional[float]
    model_latency_max_ms: Optional[float]
    overhead_latency_avg_ms: Optional[float]


def summarize(variant: str, series: dict[tuple[str, str], list[float]]) -> VariantMetrics:
    """Fold per-minute values into window totals: sums add, averages are weighted by their sample counts."""
    def total(metric: str) -> float:
        return float(sum(series.get((metric, "Sum"), [])))

    averages = series.get(("ModelLatency", "Average"), [])
    counts = series.get(("ModelLatency", "SampleCount"), [])
    weighted = None
    if averages and counts and len(averages) == len(counts) and sum(counts):
        weighted = sum(a * c for a, c in zip(averages, counts)) / sum(counts) / 1000
    elif averages:
        weighted = sum(averages) / len(averages) / 1000
    maximum = series.get(("ModelLatency", "Maximum"), [])
    overhead = series.get(("OverheadLatency", "Average"), [])
    return VariantMetrics(
        variant=variant,
        invocations=total("Invocations"),
        errors_4xx=total("Invocation4XXErrors"),
        errors_5xx=total("Invocation5XXErrors"),
        model_latency_avg_ms=weighted,
        model_latency_max_ms=max(maximum) / 1000 if maximum else None,
        overhead_latency_avg_ms=sum(overhead) / len(overhead) / 1000 if overhead else None,
    )


def fetch(cloudwatch, endpoint: str, variant_names: Sequence[str], *, minutes: int) -> list[VariantMetrics]:
    # Whole minutes, ending after the current one, so the newest (still filling) minute is included.
    end = (datetime.now(timezone.utc) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=minutes)
    queries, keys = [], {}
    for v_index, variant in enumerate(variant_names):
        for q_index, (metric, stat) in enumerate(QUERIES):
            query_id = f"v{v_index}q{q_index}"
            keys[query_id] = (variant, metric, stat)
            queries.append({
                "Id": query_id,
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/SageMaker", "MetricName": metric,
                               "Dimensions": [{"Name": "EndpointName", "Value": endpoint},
                                              {"Name": "VariantName", "Value": variant}]},
                    "Period": 60, "Stat": stat,
                },
            })
    series: dict[str, dict[tuple[str, str], list[float]]] = {name: {} for name in variant_names}
    # GetMetricData takes at most 500 queries per call.
    for chunk in range(0, len(queries), 500):
        kwargs = {"MetricDataQueries": queries[chunk:chunk + 500], "StartTime": start, "EndTime": end}
        while True:
            response = cloudwatch.get_metric_data(**kwargs)
            for result in response["MetricDataResults"]:
                variant, metric, stat = keys[result["Id"]]
                values = [value for value in result["Values"] if value is not None]
                series[variant].setdefault((metric, stat), []).extend(values)
            if not response.get("NextToken"):
                break
            kwargs["NextToken"] = response["NextToken"]
    return [summarize(name, series[name]) for name in variant_names]


def run(args: argparse.Namespace, aws: Aws) -> int:
    description = describe(aws.client("sagemaker"), args.endpoint)
    names = [v.name for v in variants(description)]
    rows = fetch(aws.client("cloudwatch"), args.endpoint, names, minutes=args.minutes)
    print(f"{args.endpoint}, last {args.minutes} min (async endpoints publish backlog metrics instead of invocations)")
    print(render(
        ("variant", "invocations", "4xx", "5xx", "5xx rate", "model latency avg ms", "max ms", "overhead avg ms"),
        [(m.variant, f"{m.invocations:g}", f"{m.errors_4xx:g}", f"{m.errors_5xx:g}",
          f"{100 * m.errors_5xx / m.invocations:.2f}%" if m.invocations else None,
          _ms(m.model_latency_avg_ms), _ms(m.model_latency_max_ms), _ms(m.overhead_latency_avg_ms)) for m in rows],
    ))
    return 0


def _ms(value: Optional[float]) -> Optional[str]:
    return None if value is None else f"{value:.1f}"
