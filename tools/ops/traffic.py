"""`traffic`: show and set variant weights, shift traffic to a candidate variant as a canary that rolls
back when the 5XX alarm fires or the candidate returns 5XX errors, and set an inference component's copy count."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping, Optional, Sequence

from tools.ops.aws import Aws, OpsError
from tools.ops.components import (components_table, copy_count_bounds, describe_component, hosts_components, set_copies,
                                  wait_for_copies)
from tools.ops.endpoints import describe, endpoint_config, variants, wait_in_service
from tools.ops.tables import render, share

ROLLED_BACK_EXIT_CODE = 3


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("traffic", help="show or shift the traffic split between variants",
                                   description=__doc__)
    commands = parser.add_subparsers(dest="traffic_command", required=True, metavar="{show,set,canary,copies}")

    show = commands.add_parser("show", help="variant weights and instance counts")
    show.add_argument("endpoint")
    show.set_defaults(handler=run_show)

    set_ = commands.add_parser("set", help="set variant weights, e.g. blue=90 green=10")
    set_.add_argument("endpoint")
    set_.add_argument("weights", nargs="+", metavar="VARIANT=WEIGHT")
    set_.add_argument("--timeout", type=float, default=1800, help="seconds to wait for InService (default 1800)")
    set_.set_defaults(handler=run_set)

    canary = commands.add_parser(
        "canary", help="move traffic to a candidate variant in steps, rolling back on a breach",
        description="Each step gives the candidate STEP% and the baseline the rest (other variants keep their "
                    "weights), waits for InService, bakes for --interval seconds, then checks the alarms and the "
                    "candidate's Invocation5XXErrors over the step. A breach restores the original weights and "
                    f"exits with code {ROLLED_BACK_EXIT_CODE}.")
    canary.add_argument("endpoint")
    canary.add_argument("--baseline", required=True, help="the variant serving today")
    canary.add_argument("--candidate", required=True, help="the variant to move traffic to")
    canary.add_argument("--steps", default="10,25,50,100", help="candidate percentages (default 10,25,50,100)")
    canary.add_argument("--interval", type=float, default=300, help="bake seconds after each step (default 300)")
    canary.add_argument("--alarm", action="append", default=None, metavar="NAME",
                        help="alarm to watch (repeatable). Default: every alarm on the endpoint's metrics")
    canary.add_argument("--max-5xx", type=float, default=0, help="5XX errors the candidate may return per step "
                                                                 "(default 0)")
    canary.add_argument("--timeout", type=float, default=1800, help="seconds to wait for InService per step")
    canary.set_defaults(handler=run_canary)

    copies = commands.add_parser(
        "copies", help="set an inference component's copy count (UpdateInferenceComponentRuntimeConfig)",
        description="Sets the component's copy count and waits until that many copies run. With copy-count "
                    "autoscaling, a count outside its registered bounds is refused (autoscaling would undo it: change "
                    "the bounds in config), and one inside may be changed again by its next scaling action.")
    copies.add_argument("endpoint")
    copies.add_argument("--component", required=True, metavar="NAME",
                        help="the component (its config key with --stage, or its physical name)")
    copies.add_argument("--copies", required=True, type=int, metavar="N", help="copies to run (0 stops the component)")
    copies.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the copies (default 1800)")
    copies.set_defaults(handler=run_copies)


# --- pure logic (unit-tested) -----------------------------------------------------------------------------


def parse_weights(pairs: Sequence[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or not name or weight < 0:
            raise OpsError(f"bad weight {pair!r}: expected VARIANT=WEIGHT with a weight >= 0, e.g. blue=90")
        if name in weights:
            raise OpsError(f"variant {name!r} given twice")
        weights[name] = weight
    if not any(weights.values()):
        raise OpsError("at least one variant needs a weight above 0, or the endpoint serves nothing")
    return weights


def plan_steps(text: str) -> list[int]:
    """Candidate percentages: whole numbers, strictly increasing, from 1 to 100, ending at 100."""
    try:
        steps = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise OpsError(f"bad --steps {text!r}: expected comma-separated percentages, e.g. 10,25,50,100") from error
    if not steps or any(not 1 <= step <= 100 for step in steps):
        raise OpsError(f"bad --steps {text!r}: every step must be between 1 and 100")
    if any(later <= earlier for earlier, later in zip(steps, steps[1:])):
        raise OpsError(f"bad --steps {text!r}: steps must increase")
    if steps[-1] != 100:
        raise OpsError(f"bad --steps {text!r}: the last step must be 100 (the candidate takes all traffic)")
    return steps


def step_weights(current: Mapping[str, float], *, baseline: str, candidate: str, percent: int) -> dict[str, float]:
    weights = dict(current)
    weights[baseline] = float(100 - percent)
    weights[candidate] = float(percent)
    return weights


@dataclass(frozen=True)
class HealthCheck:
    alarms_in_alarm: tuple[str, ...]
    candidate_5xx: float


def breach(check: HealthCheck, *, max_5xx: float) -> Optional[str]:
    """Why the step failed, or None when it is healthy."""
    reasons = []
    if check.alarms_in_alarm:
        reasons.append("alarm(s) in ALARM: " + ", ".join(check.alarms_in_alarm))
    if check.candidate_5xx > max_5xx:
        reasons.append(f"candidate returned {check.candidate_5xx:g} 5XX errors (allowed {max_5xx:g})")
    return "; ".join(reasons) or None


# --- commands ----------------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace, aws: Aws) -> int:
    sagemaker = aws.client("sagemaker")
    description = describe(sagemaker, args.endpoint)
    print(weights_table(description))
    if hosts_components(endpoint_config(sagemaker, description)):
        print(components_table(sagemaker, args.endpoint))
    return 0


def run_set(args: argparse.Namespace, aws: Aws) -> int:
    weights = parse_weights(args.weights)
    sagemaker = aws.client("sagemaker")
    _check_variants(describe(sagemaker, args.endpoint), weights)
    set_weights(sagemaker, args.endpoint, weights)
    print(weights_table(wait_in_service(sagemaker, args.endpoint, timeout=args.timeout)))
    return 0


def run_canary(args: argparse.Namespace, aws: Aws, *, sleep: Callable[[float], None] = time.sleep) -> int:
    steps = plan_steps(args.steps)
    if args.baseline == args.candidate:
        raise OpsError("--baseline and --candidate must be different variants")
    sagemaker, cloudwatch = aws.client("sagemaker"), aws.client("cloudwatch")
    description = describe(sagemaker, args.endpoint)
    original = {v.name: v.current_weight or 0.0 for v in variants(description)}
    _check_variants(description, {args.baseline: 0, args.candidate: 0})
    alarms = args.alarm or endpoint_alarm_names(cloudwatch, args.endpoint)
    print(f"canary on {args.endpoint}: {args.baseline} -> {args.candidate}, steps {steps}, bake {args.interval:g} s, "
          f"watching {', '.join(alarms) if alarms else 'no alarms'} and the candidate's 5XX (max {args.max_5xx:g})")
    for percent in steps:
        weights = step_weights(original, baseline=args.baseline, candidate=args.candidate, percent=percent)
        set_weights(sagemaker, args.endpoint, weights)
        wait_in_service(sagemaker, args.endpoint, timeout=args.timeout, sleep=sleep)
        started = datetime.now(timezone.utc)
        print(f"step {percent}%: {args.candidate}={weights[args.candidate]:g} {args.baseline}={weights[args.baseline]:g}; "
              f"baking {args.interval:g} s")
        sleep(args.interval)
        check = HealthCheck(
            alarms_in_alarm=alarms_in_alarm(cloudwatch, alarms),
            candidate_5xx=variant_5xx(cloudwatch, args.endpoint, args.candidate, since=started),
        )
        reason = breach(check, max_5xx=args.max_5xx)
        if reason:
            print(f"step {percent}%: breach: {reason}; rolling back to {_format(original)}")
            set_weights(sagemaker, args.endpoint, original)
            wait_in_service(sagemaker, args.endpoint, timeout=args.timeout, sleep=sleep)
            print(weights_table(describe(sagemaker, args.endpoint)))
            return ROLLED_BACK_EXIT_CODE
        print(f"step {percent}%: healthy")
    print(weights_table(describe(sagemaker, args.endpoint)))
    return 0


def run_copies(args: argparse.Namespace, aws: Aws, *, sleep: Callable[[float], None] = time.sleep) -> int:
    if args.copies < 0:
        raise OpsError(f"--copies {args.copies}: a component runs 0 or more copies")
    sagemaker = aws.client("sagemaker")
    before = describe_component(sagemaker, args.component)
    bounds = copy_count_bounds(aws.client("application-autoscaling"), args.component)
    if bounds is not None and not bounds[0] <= args.copies <= bounds[1]:
        raise OpsError(f"--copies {args.copies} is outside {args.component}'s copy-count autoscaling bounds "
                       f"({bounds[0]}-{bounds[1]}), which would undo it; change autoscaling in config instead")
    set_copies(sagemaker, args.component, args.copies)
    print(f"{args.component}: {before.current_copies} -> {args.copies} copies"
          + (f" (autoscaling {bounds[0]}-{bounds[1]} may change it again)" if bounds else ""))
    after = wait_for_copies(sagemaker, args.component, args.copies, exact=True, timeout=args.timeout, sleep=sleep)
    print(f"{after.name}: {after.status}, {after.current_copies} copies")
    return 0


# --- AWS helpers -------------------------------------------------------------------------------------------


def set_weights(sagemaker, endpoint: str, weights: Mapping[str, float]) -> None:
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=endpoint,
        DesiredWeightsAndCapacities=[{"VariantName": name, "DesiredWeight": weight} for name, weight in weights.items()],
    )


def endpoint_alarm_names(cloudwatch, endpoint: str) -> list[str]:
    """Metric alarms with an EndpointName=endpoint dimension (the serving stack's 5XX and latency alarms)."""
    names = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page["MetricAlarms"]:
            dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            if dimensions.get("EndpointName") == endpoint:
                names.append(alarm["AlarmName"])
    return names


def alarms_in_alarm(cloudwatch, names: Sequence[str]) -> tuple[str, ...]:
    if not names:
        return ()
    response = cloudwatch.describe_alarms(AlarmNames=list(names))
    found = {alarm["AlarmName"]: alarm["StateValue"] for alarm in response["MetricAlarms"] + response.get("CompositeAlarms", [])}
    missing = sorted(set(names) - set(found))
    if missing:
        raise OpsError(f"alarm(s) not found: {', '.join(missing)}")
    return tuple(name for name in names if found[name] == "ALARM")


def variant_5xx(cloudwatch, endpoint: str, variant: str, *, since: datetime) -> float:
    # From the start of the step's minute: CloudWatch keeps 1-minute buckets, so the check may also count
    # errors from up to a minute before the step (it errs on the side of rolling back).
    start = since.replace(second=0, microsecond=0)
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[{
            "Id": "errors",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors",
                           "Dimensions": [{"Name": "EndpointName", "Value": endpoint},
                                          {"Name": "VariantName", "Value": variant}]},
                "Period": 60, "Stat": "Sum",
            },
        }],
        StartTime=start, EndTime=datetime.now(timezone.utc) + timedelta(minutes=1),
    )
    return float(sum(value for result in response["MetricDataResults"] for value in result["Values"]))


def weights_table(description: dict) -> str:
    rows = variants(description)
    total = sum(v.current_weight or 0 for v in rows)
    header = ("variant", "weight", "desired", "share", "instances", "desired")
    body = [(v.name, _num(v.current_weight), _num(v.desired_weight), share(v.current_weight, total),
             v.current_instances if v.serverless is None else "serverless", v.desired_instances) for v in rows]
    return f"{description['EndpointName']} ({description['EndpointStatus']})\n" + render(header, body)


def _check_variants(description: dict, weights: Mapping[str, float]) -> None:
    known = {v.name for v in variants(description)}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise OpsError(f"unknown variant(s) {', '.join(unknown)} on {description['EndpointName']}; "
                       f"it has: {', '.join(sorted(known))}")


def _num(value: Optional[float]) -> Optional[str]:
    return None if value is None else f"{value:g}"


def _format(weights: Mapping[str, float]) -> str:
    return " ".join(f"{name}={weight:g}" for name, weight in weights.items())
