"""`invoke`: send one request to an endpoint. Real-time endpoints answer inline; for asynchronous endpoints the
payload is uploaded to S3 and the command prints where the result will appear.

An endpoint hosting inference components needs --component NAME (InferenceComponentName). The command reads the
component's copies first and reports the call's latency; a component at zero copies cannot answer: AWS's
scale-to-zero guide says requests fail until a copy (and, with no instance left, an instance) is provisioned, which
takes minutes, and the failed request is what the NoCapacityInvocationFailures alarm counts to wake it. The command
then prints SageMaker's error as returned and exits with code 4 (retry later)."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import Optional
from urllib.parse import urlparse

from config.serving import async_paths
import botocore.exceptions

from tools.ops.aws import Aws, OpsError
from tools.ops.components import describe_component, hosts_components, list_components
from tools.ops.endpoints import describe, endpoint_config
from tools.ops.names import stage_config
from tools.ops.stage import data_stack_name, stack_outputs

COLD_EXIT_CODE = 4

def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "invoke", help="invoke an endpoint with a payload from a file or stdin",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("endpoint", help="endpoint name")
    parser.add_argument("--body", default="-", metavar="FILE",
                        help="payload file; '-' (the default) reads stdin")
    parser.add_argument("--content-type", default="text/csv", help="MIME type of the payload (default: text/csv)")
    parser.add_argument("--accept", default=None, help="MIME type wanted back. Default: the model's default")
    parser.add_argument("--target-variant", default=None,
                        help="send to this production variant, bypassing the weights. Default: by weight")
    parser.add_argument("--target-model", default=None,
                        help="multi-model endpoints: the model.tar.gz to use, relative to the endpoint's prefix")
    parser.add_argument("--component", default=None, metavar="NAME",
                        help="endpoints hosting inference components: the component to call (its config key with "
                             "--stage, or its physical name)")
    parser.add_argument("--output", default="-", metavar="FILE",
                        help="real-time: where to write the response body ('-', the default: stdout)")
    parser.add_argument("--input-location", default=None, metavar="S3_URI",
                        help="async: S3 prefix to upload the payload to. Default (with --stage): the endpoint's "
                             "async/<endpoint>/input/ in the stage's input bucket, which its execution role reads")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, aws: Aws) -> int:
    payload = _read_payload(args.body)
    sagemaker = aws.client("sagemaker")
    config = endpoint_config(sagemaker, describe(sagemaker, args.endpoint))
    if args.component or hosts_components(config):
        return run_component(args, aws, payload, sagemaker)
    async_config = config.get("AsyncInferenceConfig")
    if async_config:
        if args.target_model or args.target_variant:
            raise OpsError("--target-model and --target-variant apply to real-time endpoints; an asynchronous "
                           "endpoint picks the variant by weight (InvokeEndpointAsync has neither)")
        result = invoke_async(aws, args.endpoint, payload, content_type=args.content_type, accept=args.accept,
                              input_location=args.input_location or default_input_location(aws, args.endpoint, args.stage))
        print(f"input:  {result['InputLocation']}")
        print(f"output: {result['OutputLocation']}")
        if result.get("FailureLocation"):
            print(f"failure: {result['FailureLocation']}")
        print(f"inference id: {result['InferenceId']}")
        return 0
    response = invoke_realtime(aws.client("sagemaker-runtime"), args.endpoint, payload,
                               content_type=args.content_type, accept=args.accept,
                               target_variant=args.target_variant, target_model=args.target_model)
    _write(args.output, response["Body"].read())
    print(f"variant: {response.get('InvokedProductionVariant', '-')}  content type: {response.get('ContentType', '-')}",
          file=sys.stderr)
    return 0


def run_component(args: argparse.Namespace, aws: Aws, payload: bytes, sagemaker) -> int:
    if not args.component:
        names = ", ".join(c.name for c in list_components(sagemaker, args.endpoint)) or "none"
        raise OpsError(f"{args.endpoint} hosts inference components: pass --component NAME (its components: {names})")
    if args.target_model or args.target_variant:
        raise OpsError("--target-model and --target-variant do not apply with --component: a component serves one "
                       "model on its endpoint's one variant")
    before = describe_component(sagemaker, args.component)
    started = time.monotonic()
    try:
        response = invoke_realtime(aws.client("sagemaker-runtime"), args.endpoint, payload,
                                   content_type=args.content_type, accept=args.accept, target_variant=None,
                                   target_model=None, inference_component=args.component)
    except botocore.exceptions.ClientError as error:
        if before.current_copies != 0:
            raise
        details = error.response.get("Error", {})
        print(f"cold: {args.component} had 0 copies (desired {before.desired_copies}); SageMaker answered "
              f"{details.get('Code')}: {details.get('Message')} after {_ms(started)}. A component at zero copies "
              "cannot answer until a copy (and, with no instance left, an instance) is provisioned, which takes "
              "minutes; this failed request is what NoCapacityInvocationFailures counts to wake it. Retry later; "
              "`python -m tools.ops status` shows its copies.", file=sys.stderr)
        return COLD_EXIT_CODE
    _write(args.output, response["Body"].read())
    copies = f"{before.current_copies} copies" if before.current_copies else (
        "0 copies when read just before: a copy came up before the request was routed")
    print(f"component: {args.component} ({copies})  latency: {_ms(started)}  content type: "
          f"{response.get('ContentType', '-')}", file=sys.stderr)
    return 0


def _ms(started: float) -> str:
    return f"{(time.monotonic() - started) * 1000:.0f} ms"


def _write(output: str, body: bytes) -> None:
    if output == "-":
        sys.stdout.buffer.write(body)
        if not body.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
    else:
        with open(output, "wb") as handle:
            handle.write(body)


def invoke_realtime(runtime, endpoint: str, payload: bytes, *, content_type: str, accept: Optional[str],
                    target_variant: Optional[str], target_model: Optional[str],
                    inference_component: Optional[str] = None) -> dict:
    request = {"EndpointName": endpoint, "Body": payload, "ContentType": content_type}
    optional = {"Accept": accept, "TargetVariant": target_variant, "TargetModel": target_model,
                "InferenceComponentName": inference_component}
    request.update({key: value for key, value in optional.items() if value})
    return runtime.invoke_endpoint(**request)


def invoke_async(aws: Aws, endpoint: str, payload: bytes, *, content_type: str, accept: Optional[str],
                 input_location: str) -> dict:
    bucket, prefix = parse_s3_uri(input_location)
    inference_id = str(uuid.uuid4())
    key = f"{prefix.rstrip('/')}/{inference_id}" if prefix else inference_id
    # The bucket's default encryption (the stage's KMS key) applies; the endpoint's role reads it from there.
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=payload, ContentType=content_type)
    request = {"EndpointName": endpoint, "InputLocation": f"s3://{bucket}/{key}", "ContentType": content_type,
               "InferenceId": inference_id}
    if accept:
        request["Accept"] = accept
    response = aws.client("sagemaker-runtime").invoke_endpoint_async(**request)
    return {**response, "InputLocation": request["InputLocation"], "InferenceId": inference_id}


def parse_s3_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise OpsError(f"not an S3 URI: {uri!r} (expected s3://bucket/prefix/)")
    return parsed.netloc, parsed.path.lstrip("/")


def default_input_location(aws: Aws, endpoint: str, stage: Optional[str]) -> str:
    """Where the stage's async requests go: async/<endpoint>/input/ in its input bucket (config.serving.async_paths),
    which the endpoint's execution role reads and the smoke test uses too."""
    if not stage:
        raise OpsError(f"{endpoint} is asynchronous: add --stage STAGE (requests go to the stage's input bucket) or "
                       "--input-location s3://bucket/prefix/")
    config = stage_config(stage)
    name = next((key for key in config.serving.endpoints if config.endpoint_name(key) == endpoint), None)
    settings = config.serving.endpoints[name].async_inference if name else None
    if settings is None:
        raise OpsError(f"{config.name}: {endpoint} is no async endpoint of serving.endpoints; pass --input-location")
    outputs = stack_outputs(aws.client("cloudformation"), data_stack_name(config)) or {}
    if "InputBucketName" not in outputs:
        raise OpsError(f"{data_stack_name(config)} is not deployed (no InputBucketName output); pass --input-location")
    return f"s3://{outputs['InputBucketName']}/{async_paths(name, settings).input_prefix}"


def _read_payload(source: str) -> bytes:
    if source == "-":
        if sys.stdin.isatty():
            raise OpsError("no payload: pipe one in or pass --body FILE")
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise OpsError(f"cannot read payload {source}: {error.strerror}") from error
