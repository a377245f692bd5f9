"""Smoke-tests one deployed stage: sends every configured endpoint its configured request, the way its kind
needs, and fails on any error.

Usage:
    python -m tools.smoke_test --stage Staging [--region us-east-1] [--endpoint-url URL] [--role-arn ARN]
                               [--async-timeout 900]

The endpoints, their kinds and their requests come from the stage's config (config/environment_values.py):
an endpoint is called by its stable name `<name_prefix>-<endpoint>` and sent its `smoke_request` (the
endpoint's own, else its model's). Per kind:

- real-time and serverless: InvokeEndpoint;
- multi-model: InvokeEndpoint with TargetModel (the request's target_model);
- async: the request is uploaded to the input bucket under async/<endpoint>/input/, InvokeEndpointAsync,
  then the output or failure object is awaited in the output bucket (at most --async-timeout seconds).
  The input bucket's name is the Data stack's InputBucketName output;
- inference components: every component of a component host, InvokeEndpoint with InferenceComponentName (its
  stable name `<name_prefix>-<endpoint>-<component>`) and its `smoke_request` (its own, else its model's). A
  component at zero copies (it scales to zero) is woken, not skipped: a deploy that is never invoked proves
  nothing about the new model, and the wake-up path (the NoCapacityInvocationFailures alarm and step policy) is
  part of what was deployed. The first request fails while no copy runs (AWS's scale-to-zero guide); the test
  waits for a copy (at most --cold-timeout seconds), then sends the request again. Waking it costs a copy (and an
  instance) until the component scales in again.

--role-arn assumes that role first: the pipeline uses the stage's SmokeTestAccess role, which allows
exactly these calls. Only the stage's own region is called (the Billing stack, in us-east-1, has no endpoint).
Exit codes: 0 every endpoint answered, 1 an endpoint or AWS call failed, 2 nothing to test / bad usage.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Optional, Sequence
from urllib.parse import urlparse

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from config import EnvironmentConfig
from config.serving import SmokeRequest, async_paths
from tools.ops.aws import Aws, OpsError
from tools.ops.components import describe_component, wait_for_copies
from tools.ops.stage import data_stack_name, find_stage, stack_outputs

DEFAULT_ASYNC_TIMEOUT_SECONDS = 900.0
DEFAULT_COLD_TIMEOUT_SECONDS = 900.0
POLL_INTERVAL_SECONDS = 5.0
SHOWN_CHARACTERS = 200


class SmokeTestError(Exception):
    """A failure worth one clear line on stderr (and a non-zero exit)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Probe:
    """One endpoint to test: its config key, physical name, kind and request."""

    endpoint: str
    name: str
    kind: str  # real-time | serverless | multi-model | async | component
    request: Optional[SmokeRequest]
    async_input_prefix: Optional[str] = None
    component: Optional[str] = None
    """Components: the config key is `endpoint/component`, this is the physical InferenceComponentName."""


@dataclass(frozen=True)
class Result:
    probe: Probe
    ok: bool
    detail: str


def stage_config(stage: str, environments: Optional[Sequence[EnvironmentConfig]] = None) -> EnvironmentConfig:
    """The environment whose stage id (Staging) or name (staging) is `stage` (given `environments`, one of them)."""
    if environments is None:
        try:
            return find_stage(stage)
        except OpsError as error:
            raise SmokeTestError(str(error), exit_code=2) from error
    for env in environments:
        if stage in (env.stage_id, env.name):
            return env
    raise SmokeTestError(f"no stage {stage!r} among {[env.stage_id for env in environments]}", exit_code=2)


def probes_for(config: EnvironmentConfig) -> list[Probe]:
    serving = config.serving
    probes = []
    for endpoint, settings in serving.endpoints.items():
        if settings.component_host is not None:
            probes.extend(Probe(endpoint=f"{endpoint}/{key}", name=config.endpoint_name(endpoint), kind="component",
                                request=serving.smoke_request_for_component(endpoint, key),
                                component=config.inference_component_name(endpoint, key))
                          for key in settings.components)
            continue
        input_prefix = None
        if settings.async_inference is not None:
            kind, input_prefix = "async", async_paths(endpoint, settings.async_inference).input_prefix
        elif serving.serves_multi_model(endpoint):
            kind = "multi-model"
        elif settings.serverless is not None:
            kind = "serverless"
        else:
            kind = "real-time"
        probes.append(Probe(endpoint=endpoint, name=config.endpoint_name(endpoint), kind=kind,
                            request=serving.smoke_request_for(endpoint), async_input_prefix=input_prefix))
    return probes


def data_stack_output(cloudformation, config: EnvironmentConfig, key: str) -> str:
    stack = data_stack_name(config)
    try:
        outputs = stack_outputs(cloudformation, stack)
    except (ClientError, BotoCoreError) as error:
        raise SmokeTestError(f"cannot read the outputs of {stack}: {error}") from error
    if outputs is None or key not in outputs:
        raise SmokeTestError(f"{stack} has no output {key} (is the Data stack deployed?)")
    return outputs[key]


def invoke_realtime(runtime, probe: Probe) -> Result:
    request = probe.request
    params = {"EndpointName": probe.name, "ContentType": request.content_type, "Body": request.body.encode()}
    if request.accept:
        params["Accept"] = request.accept
    if request.target_model:
        params["TargetModel"] = request.target_model
    if probe.component:
        params["InferenceComponentName"] = probe.component
    try:
        body = runtime.invoke_endpoint(**params)["Body"].read()
    except (ClientError, BotoCoreError) as error:
        return Result(probe, ok=False, detail=str(error))
    return Result(probe, ok=True, detail=_shown(body))


def invoke_async(runtime, s3, probe: Probe, *, input_bucket: str, timeout: float,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> Result:
    """Upload the request, InvokeEndpointAsync, then wait for the output (ok) or failure (not ok) object."""
    request = probe.request
    inference_id = f"smoke-test-{uuid.uuid4()}"
    key = f"{probe.async_input_prefix}{inference_id}"
    try:
        # The bucket's default encryption (the stage's data key) applies, as for any async request.
        s3.put_object(Bucket=input_bucket, Key=key, Body=request.body.encode(), ContentType=request.content_type)
        params = {"EndpointName": probe.name, "InputLocation": f"s3://{input_bucket}/{key}",
                  "ContentType": request.content_type, "InferenceId": inference_id}
        if request.accept:
            params["Accept"] = request.accept
        response = runtime.invoke_endpoint_async(**params)
    except (ClientError, BotoCoreError) as error:
        return Result(probe, ok=False, detail=str(error))
    output, failure = response["OutputLocation"], response.get("FailureLocation")
    deadline = clock() + timeout
    while True:
        try:
            for location, ok in ((output, True), (failure, False)):
                body = _read_if_present(s3, location) if location else None
                if body is not None:
                    return Result(probe, ok=ok, detail=f"{location}: {_shown(body)}")
        except (ClientError, BotoCoreError) as error:
            return Result(probe, ok=False, detail=str(error))
        if clock() >= deadline:
            return Result(probe, ok=False, detail=f"neither {output} nor {failure} appeared within {timeout:g} s")
        sleep(POLL_INTERVAL_SECONDS)


def invoke_component(runtime, sagemaker, probe: Probe, *, cold_timeout: float,
                     sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> Result:
    """InvokeEndpoint with InferenceComponentName; a component at zero copies is woken first (module docstring)."""
    try:
        copies = describe_component(sagemaker, probe.component).current_copies
    except (ClientError, BotoCoreError, OpsError) as error:
        return Result(probe, ok=False, detail=str(error))
    if copies:
        return invoke_realtime(runtime, probe)
    started = clock()
    first = invoke_realtime(runtime, probe)  # the request the wake-up alarm counts; it fails while no copy runs
    if first.ok:
        return Result(probe, ok=True, detail=f"0 copies before; answered at once: {first.detail}")
    try:
        wait_for_copies(sagemaker, probe.component, 1, exact=False, timeout=cold_timeout, sleep=sleep, clock=clock)
    except (ClientError, BotoCoreError, OpsError) as error:
        return Result(probe, ok=False, detail=f"0 copies; the first request failed ({first.detail}) and no copy "
                                              f"came up: {error}")
    second = invoke_realtime(runtime, probe)
    woke = f"woke from 0 copies in {clock() - started:.0f} s (first request: {first.detail})"
    return Result(probe, ok=second.ok, detail=f"{woke}; then: {second.detail}")


def _read_if_present(s3, location: str) -> Optional[bytes]:
    # Listed first: a GetObject of a missing key is a 403, not a 404, unless ListBucket is allowed, and the
    # role's ListBucket is limited to these prefixes by s3:prefix, which only a listing carries.
    parsed = urlparse(location)
    bucket, key = parsed.netloc, parsed.path.lstrip("/")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents", [])
    if not listed or listed[0]["Key"] != key:
        return None
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _shown(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")[:SHOWN_CHARACTERS]


def run(session: boto3.session.Session, config: EnvironmentConfig, *, endpoint_url: Optional[str] = None,
        async_timeout: float = DEFAULT_ASYNC_TIMEOUT_SECONDS, cold_timeout: float = DEFAULT_COLD_TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> list[Result]:
    """Probe every configured endpoint of the stage. Raises SmokeTestError when there is nothing to test."""
    probes = probes_for(config)
    if not probes:
        raise SmokeTestError(f"{config.name} configures no endpoint (serving.endpoints): nothing to smoke-test",
                             exit_code=2)
    runtime = session.client("sagemaker-runtime", endpoint_url=endpoint_url)
    input_bucket, s3, sagemaker = None, None, None
    results = []
    for probe in probes:
        if probe.request is None:
            results.append(Result(probe, ok=False, detail=(
                f"no smoke request: set serving.endpoints.{probe.endpoint}.smoke_request (or the smoke_request of "
                f"the model it serves) in config/environment_values.py")))
        elif probe.kind == "async":
            if s3 is None:
                s3 = session.client("s3", endpoint_url=endpoint_url)
                input_bucket = data_stack_output(session.client("cloudformation", endpoint_url=endpoint_url),
                                                 config, "InputBucketName")
            results.append(invoke_async(runtime, s3, probe, input_bucket=input_bucket, timeout=async_timeout,
                                        sleep=sleep))
        elif probe.kind == "component":
            sagemaker = sagemaker or session.client("sagemaker", endpoint_url=endpoint_url)
            results.append(invoke_component(runtime, sagemaker, probe, cold_timeout=cold_timeout, sleep=sleep,
                                            clock=clock))
        else:
            results.append(invoke_realtime(runtime, probe))
    return results


def session_for(region: Optional[str], role_arn: Optional[str], endpoint_url: Optional[str]) -> boto3.session.Session:
    """The default credentials, or a role assumed with them (the stage's account seen from the pipeline)."""
    session = boto3.session.Session(region_name=region)
    if Aws(endpoint_url=endpoint_url).is_local and session.get_credentials() is None:
        # The local emulator accepts any keys; the calls cannot leave the machine.
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name=region)
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
    parser.add_argument("--stage", required=True, help="the stage id or environment name, e.g. Staging or staging")
    parser.add_argument("--region", help="the stage's region (default: the region in its config)")
    parser.add_argument("--endpoint-url", help="an AWS endpoint override, e.g. a local emulator")
    parser.add_argument("--role-arn", help="assume this role first (default: use the current credentials)")
    parser.add_argument("--async-timeout", type=float, default=DEFAULT_ASYNC_TIMEOUT_SECONDS,
                        help=f"seconds to wait for an async result (default {DEFAULT_ASYNC_TIMEOUT_SECONDS:g})")
    parser.add_argument("--cold-timeout", type=float, default=DEFAULT_COLD_TIMEOUT_SECONDS,
                        help="seconds to wait for a copy of a component at zero copies (default "
                             f"{DEFAULT_COLD_TIMEOUT_SECONDS:g})")
    return parser.parse_args(argv)


def main(argv: Sequence[str], session: Optional[boto3.session.Session] = None,
         environments: Optional[Sequence[EnvironmentConfig]] = None, sleep: Callable[[float], None] = time.sleep) -> int:
    args = parse_args(argv)
    try:
        config = stage_config(args.stage, environments)
        session = session or session_for(args.region or config.region, args.role_arn, args.endpoint_url)
        results = run(session, config, endpoint_url=args.endpoint_url, async_timeout=args.async_timeout,
                      cold_timeout=args.cold_timeout, sleep=sleep)
    except SmokeTestError as error:
        print(f"error: {args.stage}: {error}", file=sys.stderr)
        return error.exit_code
    for result in results:
        status = "ok  " if result.ok else "FAIL"
        probe = result.probe
        called = f"{probe.name}, {probe.component}" if probe.component else probe.name
        print(f"{status} {probe.endpoint} ({called}, {probe.kind}): {result.detail}")
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"error: {args.stage}: {len(failed)} of {len(results)} endpoint(s) failed", file=sys.stderr)
        return 1
    print(f"{args.stage}: {len(results)} endpoint(s) answered")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
