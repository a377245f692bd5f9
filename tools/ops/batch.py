"""`batch run`: start the batch state machine now, for a given date (default: today, UTC).

The execution input is {"date": "YYYY-MM-DD"}, the same shape the schedule sends."""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, datetime, timezone


from tools.ops.aws import Aws, OpsError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("batch", help="batch transform runs", description=__doc__)
    commands = parser.add_subparsers(dest="batch_command", required=True, metavar="{run}")
    run_ = commands.add_parser("run", help="start the batch state machine now", description=__doc__)
    run_.add_argument("--state-machine", required=True, metavar="NAME_OR_ARN",
                      help="the batch state machine (the Batch stack's StateMachineArn output), or with --stage "
                           "the transform's name from config (e.g. scoring)")
    run_.add_argument("--date", default=None, help="the run date, YYYY-MM-DD (default: today in UTC)")
    run_.add_argument("--wait", action="store_true", help="wait until the execution finishes")
    run_.add_argument("--timeout", type=float, default=3600, help="seconds --wait waits at most (default 3600)")
    run_.set_defaults(handler=run)


def parse_date(text: str | None) -> date:
    if text is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise OpsError(f"bad --date {text!r}: expected YYYY-MM-DD") from error


def execution_name(run_date: date, now: datetime) -> str:
    """Unique per start (execution names must be unique for 90 days), and says which date it ran for."""
    return f"run-{run_date:%Y-%m-%d}-manual-{now:%Y%m%dT%H%M%S%f}"[:80]


def resolve_state_machine(stepfunctions, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    for page in stepfunctions.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name_or_arn:
                return machine["stateMachineArn"]
    raise OpsError(f"no state machine named {name_or_arn!r} in this region; pass its ARN or name")


def run(args: argparse.Namespace, aws: Aws) -> int:
    run_date = parse_date(args.date)
    stepfunctions = aws.client("stepfunctions")
    arn = resolve_state_machine(stepfunctions, args.state_machine)
    try:
        execution = stepfunctions.start_execution(
            stateMachineArn=arn,
            name=execution_name(run_date, datetime.now(timezone.utc)),
            input=json.dumps({"date": run_date.isoformat()}),
        )
    except stepfunctions.exceptions.StateMachineDoesNotExist as error:
        raise OpsError(f"state machine {arn} does not exist") from error
    print(f"started {execution['executionArn']} for {run_date.isoformat()}")
    if not args.wait:
        return 0
    deadline = time.monotonic() + args.timeout
    while True:
        described = stepfunctions.describe_execution(executionArn=execution["executionArn"])
        status = described["status"]
        if status != "RUNNING":
            print(f"finished: {status}")
            if status != "SUCCEEDED":  # the state machine's error and cause say what the job did
                print(f"error: {described.get('error', '-')}: {described.get('cause', '-')}")
            return 0 if status == "SUCCEEDED" else 1
        if time.monotonic() >= deadline:
            raise OpsError(f"execution still RUNNING after {args.timeout:g} s")
        time.sleep(10)


