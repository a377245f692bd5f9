"""`model push`: release a packaged model to a stage: upload it to the stage's model bucket, encrypted with the
stage's data key (SSE-KMS), and optionally register it as the next version of the stage's model package group.

    python -m tools.ops model push --stage staging --file build/demo-model.tar.gz --key models/model-v1.tar.gz [--register]

The bucket, key and registry come from the stage's Data stack outputs, so the Data stack must be deployed first
(`npx cdk deploy 'Staging/Data'`). Package a model with `python -m tools.package_model` (or `make package-model`
for the demo model). Registered versions are Approved, use the scikit-learn framework image the stage's registry
models are allowed to pull, and carry the handler environment (inference_code/framework.py)."""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path

from botocore.exceptions import ClientError

from config.serving import S3Key
from inference_code.framework import REGISTRY_PACKAGE_FRAMEWORK
from sagemaker_serving_cdk.rules.handler import framework_model_environment
from sagemaker_serving_cdk.rules.images import framework_image
from pydantic import TypeAdapter, ValidationError
from tools.ops.aws import Aws, OpsError
from tools.ops.stage import StageAccess, add_stage_arguments, data_stack_name, find_stage

_KEY = TypeAdapter(S3Key)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("model", help="release models to a stage", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="model_command", required=True, metavar="{push}")
    push_ = commands.add_parser("push", help="upload a model.tar.gz to the stage (and register it)", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_stage_arguments(push_, role_help="act through this role (default: the current credentials)")
    push_.add_argument("--file", required=True, type=Path, help="the packaged model (model.tar.gz)")
    push_.add_argument("--key", required=True, help="where in the model bucket, e.g. models/model-v1.tar.gz")
    push_.add_argument("--register", action="store_true",
                       help="also register it as the next version of the stage's model package group")
    push_.set_defaults(handler=run)


def check_model_file(path: Path) -> None:
    """A gzip-compressed tar, as SageMaker unpacks it into /opt/ml/model."""
    if not path.is_file():
        raise OpsError(f"--file {path}: no such file (package a model with python -m tools.package_model)")
    try:
        with tarfile.open(path, "r:gz") as archive:
            if not archive.getnames():
                raise OpsError(f"--file {path}: the archive is empty")
    except (tarfile.TarError, OSError) as error:
        raise OpsError(f"--file {path}: not a gzip-compressed tar (model.tar.gz): {error}") from error


def check_key(key: str) -> str:
    try:
        return _KEY.validate_python(key)
    except ValidationError as error:
        raise OpsError(f"--key {key!r}: {error.errors()[0]['msg']}") from error


def push(access: StageAccess, path: Path, key: str, *, register: bool) -> dict[str, str]:
    """Upload (and register); returns what was made: uri, and package_arn/version when registered."""
    config = access.config
    outputs = access.data_outputs()
    if outputs is None:
        raise OpsError(f"{data_stack_name(config)} is not deployed: it creates the model bucket; run "
                       f"npx cdk deploy '{config.stage_id}/Data' first")
    bucket, key_arn = outputs["ModelBucketName"], outputs["DataKeyArn"]
    access.client("s3").upload_file(str(path), bucket, key, ExtraArgs={
        "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn, "ContentType": "application/gzip"})
    made = {"uri": f"s3://{bucket}/{key}", "kms_key": key_arn}
    if register:
        from inference_code.inference import SUPPORTED_ACCEPT_TYPES, SUPPORTED_CONTENT_TYPES

        framework, version = REGISTRY_PACKAGE_FRAMEWORK
        group = outputs["ModelPackageGroupName"]
        try:
            arn = access.client("sagemaker").create_model_package(
                ModelPackageGroupName=group,
                ModelPackageDescription=f"{key}, pushed by tools.ops model push",
                InferenceSpecification={
                    "Containers": [{"Image": framework_image(framework, version, config.region).uri,
                                    "ModelDataUrl": made["uri"], "Environment": framework_model_environment(config.region)}],
                    "SupportedContentTypes": list(SUPPORTED_CONTENT_TYPES),
                    "SupportedResponseMIMETypes": list(SUPPORTED_ACCEPT_TYPES),
                },
                ModelApprovalStatus="Approved",
            )["ModelPackageArn"]
        except ClientError as error:
            raise OpsError(f"uploaded {made['uri']}, but registering it in {group} failed: {error}") from error
        made.update(package_arn=arn, version=arn.rsplit("/", 1)[-1])
    return made


def run(args: argparse.Namespace, aws: Aws) -> int:
    config = find_stage(args.stage, args.account)
    check_model_file(args.file)
    key = check_key(args.key)
    made = push(StageAccess(aws, config, args.role_arn), args.file, key, register=args.register)
    print(f"uploaded {made['uri']} (SSE-KMS, {made['kms_key']})")
    if "package_arn" in made:
        print(f"registered {made['package_arn']} (version {made['version']}, Approved)")
    return 0
