"""Smoke-tests one deployed stage: invokes every endpoint its stacks output, once, and fails on any error.

Usage:
    python -m tools.smoke_test --stage Dev [--region us-east-1] [--endpoint-url URL]
                               [--stack Dev-Serving ...] [--role-arn ARN]
                               [--payload TEXT | --payload @file] [--content-type text/csv]

Endpoints are found through the stage's CloudFormation stack outputs whose keys end in `EndpointName`
(stacks named `<Stage>-*`, or only the --stack names given). The default payload is one row of the demo
model's input (30 breast-cancer features, CSV); pass --payload/--content-type for another model.
--role-arn assumes that role first: the pipeline uses it to reach the stage's account.
Exit codes: 0 every endpoint answered, 1 an endpoint or AWS call failed, 2 nothing to test / bad usage.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError

OUTPUT_SUFFIX = "EndpointName"
DEFAULT_CONTENT_TYPE = "text/csv"
# The first sample of sklearn's breast-cancer set: what tools/train_demo.py's model expects.
DEFAULT_PAYLOAD = (
    "17.99,10.38,122.8,1001.0,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,0.9053,8.589,153.4,"
    "0.006399,0.04904,0.05373,0.01587,0.03003,0.006193,25.38,17.33,184.6,2019.0,0.1622,0.6656,0.7119,"
    "0.2654,0.4601,0.1189"
)


class SmokeTestError(Exception):
    """A failure worth one clear line on stderr (and a non-zero exit)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Endpoint:
    stack: str
    output_key: str
    name: str


@dataclass(frozen=True)
class Result:
    endpoint: Endpoint
    ok: bool
    detail: str


def find_endpoints(cloudformation, stage: str, stacks: Sequence[str] = ()) -> list[Endpoint]:
    """Outputs ending in `EndpointName` of the given stacks, or of every stack named `<stage>-*`."""
    described = []
    try:
        if stacks:
            for stack in stacks:
                described.extend(cloudformation.describe_stacks(StackName=stack)["Stacks"])
        else:
            for page in cloudformation.get_paginator("describe_stacks").paginate():
                described.extend(s for s in page["Stacks"] if s["StackName"].startswith(f"{stage}-"))
    except (ClientError, BotoCoreError) as error:
        raise SmokeTestError(f"cannot read the {stage} stacks' outputs: {error}") from error
    return [
        Endpoint(stack=s["StackName"], output_key=o["OutputKey"], name=o["OutputValue"])
        for s in sorted(described, key=lambda s: s["StackName"])
        for o in sorted(s.get("Outputs", []), key=lambda o: o["OutputKey"])
        if o["OutputKey"].endswith(OUTPUT_SUFFIX)
    ]


def invoke(runtime, endpoint: Endpoint, payload: bytes, content_type: str) -> Result:
    """One request; any AWS error or an error status from the model is a failed result, not an exception."""
    try:
        response = runtime.invoke_endpoint(
            EndpointName=endpoint.name, ContentType=content_type, Accept="application/json", Body=payload
        )
        body = response["Body"].read().decode("utf-8", errors="replace")
    except (ClientError, BotoCoreError) as error:
        return Result(endpoint, ok=False, detail=str(error))
    return Result(endpoint, ok=True, detail=body[:200])


def run(session: boto3.session.Session, *, stage: str, stacks: Sequence[str] = (),
        endpoint_url: Optional[str] = None, payload: bytes = DEFAULT_PAYLOAD.encode(),
        content_type: str = DEFAULT_CONTENT_TYPE) -> list[Result]:
    """Find the stage's endpoints and invoke each. Raises SmokeTestError when there is nothing to test."""
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    endpoints = find_endpoints(cloudformation, stage, stacks)
    if not endpoints:
        where = ", ".join(stacks) if stacks else f"stacks named {stage}-*"
        raise SmokeTestError(
            f"no stack output ending in {OUTPUT_SUFFIX!r} in {where}: nothing to smoke-test "
            "(is the stage deployed, and does it output its endpoint names?)", exit_code=2)
    runtime = session.client("sagemaker-runtime", endpoint_url=endpoint_url)
    return [invoke(runtime, endpoint, payload, content_type) for endpoint in endpoints]


def session_for(region: Optional[str], role_arn: Optional[str], endpoint_url: Optional[str]) -> boto3.session.Session:
    """The default credentials, or a role assumed with them (the stage's account seen from the pipeline)."""
    session = boto3.session.Session(region_name=region)
    if not role_arn:
        return session
    try:
        credentials = session.client("sts", endpoint_url=endpoint_url).assume_role(
            RoleArn=role_arn, RoleSessionName="smoke-test")["Credentials"]
    except (ClientError, BotoCoreError) as error:
        raise SmokeTestError(f"cannot assume {role_arn}: {error}") from error
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=session.region_name,
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.smoke_test", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True, help="the stage id, e.g. Dev")
    parser.add_argument("--region", help="the stage's region (default: the AWS SDK's default region)")
    parser.add_argument("--endpoint-url", help="an AWS endpoint override, e.g. a local emulator")
    parser.add_argument("--stack", action="append", default=[], dest="stacks",
                        help="a stack to read outputs from (repeatable; default: every <stage>-* stack)")
    parser.add_argument("--role-arn", help="assume this role first (default: use the current credentials)")
    parser.add_argument("--payload", default=DEFAULT_PAYLOAD,
                        help="request body, or @path to read it from a file (default: one demo CSV row)")
    parser.add_argument("--content-type", default=DEFAULT_CONTENT_TYPE,
                        help=f"request Content-Type (default: {DEFAULT_CONTENT_TYPE})")
    return parser.parse_args(argv)


def main(argv: Sequence[str], session: Optional[boto3.session.Session] = None) -> int:
    args = parse_args(argv)
    try:
        payload = Path(args.payload[1:]).read_bytes() if args.payload.startswith("@") else args.payload.encode()
        session = session or session_for(args.region, args.role_arn, args.endpoint_url)
        results = run(session, stage=args.stage, stacks=args.stacks, endpoint_url=args.endpoint_url,
                      payload=payload, content_type=args.content_type)
    except OSError as error:
        print(f"error: cannot read the payload: {error}", file=sys.stderr)
        return 2
    except SmokeTestError as error:
        print(f"error: {args.stage}: {error}", file=sys.stderr)
        return error.exit_code
    for result in results:
        status = "ok  " if result.ok else "FAIL"
        print(f"{status} {result.endpoint.stack}.{result.endpoint.output_key} "
              f"({result.endpoint.name}): {result.detail}")
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"error: {args.stage}: {len(failed)} of {len(results)} endpoint(s) failed", file=sys.stderr)
        return 1
    print(f"{args.stage}: {len(results)} endpoint(s) answered")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
