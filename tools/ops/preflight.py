"""`preflight`: before `cdk deploy` of a stage (and in the pipeline before each stage), check that everything
the deploy needs but does not create exists, and say exactly how to fix what is missing:

- the CDK bootstrap stack (CDKToolkit) and its version parameter, in every region the stage deploys to
  (its own and us-east-1, where its Billing stack lives);
- every model artifact its models read from the model bucket (and each multi-model endpoint's smoke target);
- every model package version its models reference, registered and approved;
- the billing-alerts precondition: AWS/Billing EstimatedCharges exists in us-east-1.

The bucket and registry come from the stage's Data stack; when it is not deployed yet, that is the first fix.
Exit code 1 when anything is missing. --role-arn reads through that role (the pipeline: the stage account's
CDK lookup role, which is read-only)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Optional

from botocore.exceptions import ClientError

from config import PIPELINE, EnvironmentConfig
from tools.ops.aws import Aws
from tools.ops.stage import StageAccess, add_stage_arguments, data_stack_name, find_stage, stack_outputs

BILLING_REGION = "us-east-1"  # AWS/Billing exists only there (ARCHITECTURE 6.13); the Billing stack deploys there
BOOTSTRAP_QUALIFIER = "hnb659fds"  # the CDK's default qualifier (DefaultStackSynthesizer.DEFAULT_QUALIFIER)
BOOTSTRAP_STACK = "CDKToolkit"
# The bootstrap version the synthesized templates require (their CheckBootstrapVersion rule, the assembly's
# requiresBootstrapStackVersion); a test keeps this equal to what the app synthesizes.
MIN_BOOTSTRAP_VERSION = 6
PUSH = "python -m tools.ops model push --stage {stage} --file MODEL.tar.gz --key {key}"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("preflight", help="check what a stage's first deploy needs but does not create",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_stage_arguments(parser, role_help="read through this role (default: the current credentials)")
    parser.set_defaults(handler=run)


def deploy_regions(config: EnvironmentConfig) -> list[str]:
    return list(dict.fromkeys([config.region, BILLING_REGION]))


def model_artifacts(config: EnvironmentConfig) -> dict[str, list[str]]:
    """Model-bucket key -> what needs it, for every model the stage's endpoints and transforms build."""
    serving = config.serving
    used = {m for e in serving.endpoints.values() for m in e.model_names} | {
        t.model for t in config.batch.transforms.values()}
    needed: dict[str, list[str]] = {}
    for name in sorted(used):
        model = serving.models[name]
        if model.model_data_asset is None and model.multi_model_prefix is None and not model.is_registry_package:
            needed.setdefault(model.model_data_key or serving.default_model_data_key, []).append(f"model {name}")
    for endpoint in serving.endpoints:
        request = serving.smoke_request_for(endpoint)
        if serving.serves_multi_model(endpoint) and request is not None and request.target_model:
            prefix = next(serving.models[m].multi_model_prefix for m in serving.endpoints[endpoint].model_names
                          if serving.models[m].is_multi_model)
            needed.setdefault(f"{prefix}{request.target_model}", []).append(f"endpoint {endpoint}'s smoke request")
    return needed


def package_versions(config: EnvironmentConfig) -> dict[int, list[str]]:
    versions: dict[int, list[str]] = {}
    for name, model in sorted(config.serving.models.items()):
        if model.is_registry_package:
            versions.setdefault(model.model_package_version, []).append(f"model {name}")
    return versions


def check_bootstrap(access: StageAccess, region: str, tooling_account: str) -> Check:
    config = access.config
    name = f"bootstrap {config.account}/{region}"
    fix = (f"npx cdk bootstrap aws://{config.account}/{region} --trust {tooling_account} "
           f"--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess "
           f"(with credentials for account {config.account}; --trust lets the pipeline deploy there)")
    outputs = stack_outputs(access.client("cloudformation", region), BOOTSTRAP_STACK)
    if outputs is None:
        return Check(name, False, f"no {BOOTSTRAP_STACK} stack in {region}", fix)
    parameter = f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version"
    try:
        version = int(access.client("ssm", region).get_parameter(Name=parameter)["Parameter"]["Value"])
    except ClientError as error:
        return Check(name, False, f"{parameter} unreadable in {region}: {error.response['Error']['Code']}", fix)
    if version < MIN_BOOTSTRAP_VERSION:
        return Check(name, False, f"bootstrap version {version} < {MIN_BOOTSTRAP_VERSION}", fix)
    return Check(name, True, f"{BOOTSTRAP_STACK} present, bootstrap version {version} (>= {MIN_BOOTSTRAP_VERSION})")


def check_artifacts(access: StageAccess, bucket: str) -> list[Check]:
    s3, stage = access.client("s3"), access.config.stage_id
    checks = []
    for key, users in model_artifacts(access.config).items():
        uri = f"s3://{bucket}/{key}"
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] not in {"404", "NoSuchKey", "NotFound"}:
                raise
            checks.append(Check(f"model artifact {uri}", False, f"missing (needed by {', '.join(users)})",
                                PUSH.format(stage=stage, key=key)))
            continue
        checks.append(Check(f"model artifact {uri}", True, f"{head['ContentLength']} bytes, {head.get('ServerSideEncryption', 'unencrypted')}"))
    return checks


def check_packages(access: StageAccess, group: str) -> list[Check]:
    config, sagemaker = access.config, access.client("sagemaker")
    wanted = package_versions(config)
    if not wanted:
        return []
    existing = sum(len(page["ModelPackageSummaryList"]) for page in sagemaker.get_paginator(
        "list_model_packages").paginate(ModelPackageGroupName=group))
    checks = []
    for version, users in sorted(wanted.items()):
        arn = f"arn:aws:sagemaker:{config.region}:{config.account}:model-package/{group}/{version}"
        name = f"model package {group}/{version}"
        try:
            package = sagemaker.describe_model_package(ModelPackageName=arn)
        except ClientError:
            key = f"models/model-v{version}.tar.gz"
            times = version - existing
            checks.append(Check(name, False, f"not registered (needed by {', '.join(users)}); the group holds {existing} "
                                f"version(s) and each registration adds the next",
                                f"{PUSH.format(stage=config.stage_id, key=key)} --register"
                                + (f"  ({times} registrations up to version {version})" if times > 1 else "")))
            continue
        approval = package.get("ModelApprovalStatus")
        if approval != "Approved":
            checks.append(Check(name, False, f"approval status {approval}", f"aws sagemaker update-model-package "
                                f"--model-package-arn {arn} --model-approval-status Approved --region {config.region}"))
        else:
            checks.append(Check(name, True, f"{package.get('ModelPackageStatus', '?')}, Approved"))
    return checks


def check_billing_metric(access: StageAccess) -> Check:
    metrics = access.client("cloudwatch", BILLING_REGION).list_metrics(
        Namespace="AWS/Billing", MetricName="EstimatedCharges")["Metrics"]
    name = f"billing alerts {access.config.account}"
    if metrics:
        return Check(name, True, f"AWS/Billing EstimatedCharges present in {BILLING_REGION}")
    return Check(name, False, f"no AWS/Billing EstimatedCharges metric in {BILLING_REGION}: the billing alarms would "
                 "stay INSUFFICIENT_DATA and never notify",
                 f"turn on 'Receive CloudWatch billing alerts' (Billing and Cost Management console > Billing preferences "
                 f"> Alert preferences) in account {access.config.account}, as its root user or with billing "
                 "permissions; there is no API or CLI command for it. The metric appears within a few hours; then run "
                 "this preflight again")


def preflight(access: StageAccess, tooling_account: str) -> list[Check]:
    config = access.config
    checks = [check_bootstrap(access, region, tooling_account) for region in deploy_regions(config)]
    if model_artifacts(config) or package_versions(config):
        outputs = access.data_outputs()
        if outputs is None:
            checks.append(Check(f"data stack {data_stack_name(config)}", False,
                                "not deployed: it creates the model bucket and registry the artifacts go to",
                                f"npx cdk deploy '{config.stage_id}/Data', then push the models and run this preflight again"))
        else:
            checks += check_artifacts(access, outputs["ModelBucketName"])
            checks += check_packages(access, outputs["ModelPackageGroupName"])
    checks.append(check_billing_metric(access))
    return checks


def render(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{'ok     ' if check.ok else 'MISSING'} {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"        fix: {check.fix}")
    return "\n".join(lines)


def run(args: argparse.Namespace, aws: Aws, tooling_account: Optional[str] = None) -> int:
    config = find_stage(args.stage, args.account)
    access = StageAccess(aws, config, args.role_arn)
    checks = preflight(access, tooling_account or PIPELINE["account"])
    print(f"preflight {config.stage_id} (account {config.account}, regions {', '.join(deploy_regions(config))})")
    print(render(checks))
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"{config.stage_id}: {len(failed)} of {len(checks)} check(s) failed; fix them as shown, then run the "
              "preflight again")
        return 1
    print(f"{config.stage_id}: ready to deploy ({len(checks)} checks passed)")
    return 0
