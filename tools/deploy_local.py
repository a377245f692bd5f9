"""Deploys a stage to the local AWS emulator with the project's own pinned CDK CLI, unchanged.

    python -m tools.deploy_local deploy [--stage Dev] [--no-demo-models]  # start the emulator (or reuse ours), deploy
    python -m tools.deploy_local destroy [--stage Dev]  # destroy the stage, then stop the emulator

A deploy follows README "First deploy to a new account": bootstrap every region the stage deploys to (its own
and us-east-1 for Billing); when the stage reads models from its bucket or registry, deploy its Data stack first
and release the demo model (build/demo-model.tar.gz) to every artifact and package version the preflight finds
missing (unless --no-demo-models); require the preflight to pass, then deploy every stack. The emulator has no
AWS/Billing metrics: the preflight's billing check is printed, not required, here.

After a deploy it prints the stack outputs and, per stack and resource type, what landed in the emulator and
what the emulator skipped, so nobody mistakes a template assertion for a deployment. A deploy whose stacks
did not complete, or where a resource type the emulator supports is missing, is an error.

Staging and Prod have termination protection: destroy first switches it off, explicitly and printed, as an
operator must on AWS; their retained data (key, buckets, registry) stays in the emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from config import EnvironmentConfig
from tools.local_emulator import (
    ACCOUNT_ID,
    PROJECT_ROOT,
    STATE_FILE,
    EmulatorError,
    EmulatorHandle,
    running_from_state,
    start,
    stop_from_state,
    write_state,
)

CDK_CLI = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"
DEFAULT_OUTDIR = PROJECT_ROOT / "build" / "cdk.out.local"
CDK_TIMEOUT_SECONDS = 600
DEMO_MODEL = PROJECT_ROOT / "build" / "demo-model.tar.gz"  # `make package-model`

# Resource types the emulator accepts in a template but does not create (moto 5.2.5, ARCHITECTURE.md fact 6.5). They are
# asserted from the template in tests instead.
SKIPPED_BY_EMULATOR = {
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",  # moto only subscribes the inline Subscription list of an AWS::SNS::Topic
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::Scheduler::Schedule",
    "AWS::CDK::Metadata",
}
# Custom resources answered in-process by tools.emulator_server (their Lambda does not run).
LOCAL_PROVIDER_TYPES = {"Custom::S3AutoDeleteObjects"}


class DeployError(RuntimeError):
    pass


@dataclass(frozen=True)
class LandedRow:
    stack: str
    resource_type: str
    in_template: int
    in_emulator: int

    @property
    def status(self) -> str:
        if self.resource_type in LOCAL_PROVIDER_TYPES:
            return "local provider (Lambda not run)"
        if self.resource_type in SKIPPED_BY_EMULATOR or self.resource_type.startswith("Custom::"):
            return "SKIPPED by emulator" if self.in_emulator < self.in_template else "deployed"
        return "deployed" if self.in_emulator == self.in_template else "MISSING"


def cdk_environment(emulator: EmulatorHandle, region: str) -> dict[str, str]:
    """The caller's environment with every AWS setting replaced: the emulator, dummy keys, no profile; every
    stage targets moto's account (read by app.py), so one synthesized assembly serves every stage's deploy."""
    from config import ENVIRONMENTS

    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_"))}
    env.update(emulator.client_environment(region))
    env.update({f"{raw['name'].upper()}_ACCOUNT_ID": ACCOUNT_ID for raw in ENVIRONMENTS})
    env.update(
        {
            "CDK_DISABLE_CLI_TELEMETRY": "1",
            "PATH": f"{CDK_CLI.parent}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    return env


def run_cdk(args: list[str], env: dict[str, str], *, log: Optional[Path] = None) -> None:
    """Run the pinned CDK CLI; on failure the error carries the end of its output."""
    if not CDK_CLI.exists():
        raise DeployError(f"{CDK_CLI} not found; run `make setup` first")
    command = [str(CDK_CLI), *args]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=CDK_TIMEOUT_SECONDS)
    output = result.stdout + result.stderr
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as handle:
            handle.write(f"$ cdk {' '.join(args)}\n{output}\n")
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise DeployError(f"`cdk {' '.join(args)}` failed with exit code {result.returncode}:\n{tail}")


def stage_config(stage: str) -> EnvironmentConfig:
    """The stage's config as deployed here: in the emulator's account."""
    from tools.ops.aws import OpsError
    from tools.ops.stage import find_stage

    try:
        return find_stage(stage, ACCOUNT_ID)
    except OpsError as error:
        raise DeployError(str(error)) from error


def stage_region(stage: str) -> str:
    return stage_config(stage).region


def bootstrap(emulator: EmulatorHandle, *, region: str, outdir: Path, log: Optional[Path] = None) -> None:
    # With an assembly already in `outdir` the CLI reads it instead of synthesizing (and overwriting) it again.
    run_cdk(["bootstrap", f"aws://{ACCOUNT_ID}/{region}", *_assembly_args(outdir)],
            cdk_environment(emulator, region), log=log)


def synth(emulator: EmulatorHandle, *, outdir: Path, log: Optional[Path] = None) -> None:
    """Synthesize the app once into `outdir`; deploy and destroy then read that assembly (`--app outdir`)."""
    run_cdk(["synth", "--quiet", "--output", str(outdir)], cdk_environment(emulator, "us-east-1"), log=log)


def _assembly_args(outdir: Path) -> list[str]:
    # Synthesis takes tens of seconds (every stage plus the compliance packs): do it once per outdir.
    if (outdir / "manifest.json").exists():
        return ["--app", str(outdir)]
    return ["--output", str(outdir)]


def deploy(emulator: EmulatorHandle, *, stage: str, region: str, outdir: Path, log: Optional[Path] = None,
           stacks: str = "*") -> None:
    run_cdk(["deploy", f"{stage}/{stacks}", "--require-approval", "never", *_assembly_args(outdir),
             "--progress", "events"], cdk_environment(emulator, region), log=log)


def destroy(emulator: EmulatorHandle, *, stage: str, region: str, outdir: Path, log: Optional[Path] = None,
            disable_termination_protection: bool = True) -> list[str]:
    """`cdk destroy` the stage; returns the stacks whose termination protection it switched off first (as
    `aws cloudformation update-termination-protection --no-enable-termination-protection` does on AWS)."""
    switched = []
    for name, stack_region in stack_regions(outdir, stage).items() if disable_termination_protection else ():
        cloudformation = client(emulator, stack_region, "cloudformation")
        try:
            protected = cloudformation.describe_stacks(StackName=name)["Stacks"][0].get("EnableTerminationProtection")
        except cloudformation.exceptions.ClientError:  # not deployed (any more)
            continue
        if protected:
            cloudformation.update_termination_protection(StackName=name, EnableTerminationProtection=False)
            switched.append(name)
    if switched and log is not None:
        with open(log, "a") as handle:
            handle.write(f"termination protection switched off: {', '.join(switched)}\n")
    run_cdk(["destroy", f"{stage}/*", "--force", *_assembly_args(outdir)], cdk_environment(emulator, region), log=log)
    return switched


def _assembly_stacks(outdir: Path, stage: str) -> list[tuple[str, str, Path]]:
    """(stack name, region, template path) of each stack of the stage's cloud assembly."""
    assembly = outdir / f"assembly-{stage}"
    manifest = json.loads((assembly / "manifest.json").read_text())
    return [(artifact["properties"]["stackName"], artifact["environment"].rsplit("/", 1)[-1],
             assembly / artifact["properties"]["templateFile"])
            for artifact in manifest["artifacts"].values() if artifact["type"] == "aws:cloudformation:stack"]


def stage_templates(outdir: Path, stage: str) -> dict[str, dict]:
    """Stack name (as deployed, e.g. Dev-Data) -> template, from the cloud assembly the deploy wrote."""
    return {name: json.loads(path.read_text()) for name, _, path in _assembly_stacks(outdir, stage)}


def stack_regions(outdir: Path, stage: str) -> dict[str, str]:
    """Stack name -> the region it deploys to (Billing: us-east-1, whatever the stage's region)."""
    return {name: region for name, region, _ in _assembly_stacks(outdir, stage)}


def boto_session(emulator: EmulatorHandle, region: str):
    import boto3

    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)


def client(emulator: EmulatorHandle, region: str, service: str):
    return boto_session(emulator, region).client(service, endpoint_url=emulator.endpoint_url)


def landed(emulator: EmulatorHandle, *, regions: dict[str, str], templates: dict[str, dict]) -> list[LandedRow]:
    """Compare each stack's template with what the emulator holds for it (each stack in its own region)."""
    rows = []
    for stack_name, template in templates.items():
        cloudformation = client(emulator, regions[stack_name], "cloudformation")
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_COMPLETE") or "ROLLBACK" in stack["StackStatus"]:
            raise DeployError(f"stack {stack_name} is {stack['StackStatus']}: {stack.get('StackStatusReason', '')}")
        wanted = Counter(resource["Type"] for resource in template.get("Resources", {}).values())
        paginator = cloudformation.get_paginator("list_stack_resources")
        present = Counter(
            summary["ResourceType"]
            for page in paginator.paginate(StackName=stack_name)
            for summary in page["StackResourceSummaries"]
        )
        for resource_type in sorted(wanted):
            rows.append(LandedRow(stack_name, resource_type, wanted[resource_type], present[resource_type]))
    return rows


def stack_outputs(emulator: EmulatorHandle, *, regions: dict[str, str]) -> dict[str, dict[str, str]]:
    outputs = {}
    for name, region in regions.items():
        stack = client(emulator, region, "cloudformation").describe_stacks(StackName=name)["Stacks"][0]
        outputs[name] = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs") or []}
    return outputs


def render_landed(rows: list[LandedRow]) -> str:
    header = ("stack", "resource type", "template", "emulator", "status")
    table = [header] + [(r.stack, r.resource_type, str(r.in_template), str(r.in_emulator), r.status) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_outputs(outputs: dict[str, dict[str, str]]) -> str:
    lines = []
    for stack, values in outputs.items():
        lines.append(f"{stack}:")
        lines.extend(f"  {key} = {value}" for key, value in sorted(values.items()))
    return "\n".join(lines)


def check_landed(rows: list[LandedRow]) -> None:
    missing = [row for row in rows if row.status == "MISSING"]
    if missing:
        raise DeployError(
            "resources the emulator supports did not land: "
            + ", ".join(f"{r.stack} {r.resource_type} ({r.in_emulator}/{r.in_template})" for r in missing)
        )


def ops_aws(emulator: EmulatorHandle, region: str):
    from tools.ops.aws import Aws

    return Aws(region=region, endpoint_url=emulator.endpoint_url)


def release_demo_models(emulator: EmulatorHandle, config: EnvironmentConfig) -> list[str]:
    """Push the demo model to every artifact the stage's preflight finds missing and register it until every
    package version exists, with `ops model push`'s code; returns what it did."""
    from tools.ops.model import push
    from tools.ops.preflight import model_artifacts, package_versions
    from tools.ops.stage import StageAccess

    access = StageAccess(ops_aws(emulator, config.region), config)
    outputs = access.data_outputs() or {}
    s3, done = access.client("s3"), []
    for key in model_artifacts(config):
        try:
            s3.head_object(Bucket=outputs["ModelBucketName"], Key=key)
        except s3.exceptions.ClientError:
            done.append(push(access, DEMO_MODEL, key, register=False)["uri"])
    if package_versions(config):
        sagemaker = access.client("sagemaker")
        existing = len(sagemaker.list_model_packages(ModelPackageGroupName=outputs["ModelPackageGroupName"])[
            "ModelPackageSummaryList"])
        for version in range(existing + 1, max(package_versions(config)) + 1):
            done.append(push(access, DEMO_MODEL, f"models/model-v{version}.tar.gz", register=True)["package_arn"])
    return done


def bootstrap_regions(emulator: EmulatorHandle, config: EnvironmentConfig, *, outdir: Path,
                      log: Optional[Path] = None) -> None:
    """`cdk bootstrap` each region the stage deploys to that the preflight finds not bootstrapped."""
    from tools.ops import preflight as checks
    from tools.ops.stage import StageAccess

    access = StageAccess(ops_aws(emulator, config.region), config)
    for region in checks.deploy_regions(config):
        if not checks.check_bootstrap(access, region, ACCOUNT_ID).ok:
            bootstrap(emulator, region=region, outdir=outdir, log=log)


def preflight(emulator: EmulatorHandle, config: EnvironmentConfig):
    from tools.ops import preflight as checks
    from tools.ops.stage import StageAccess

    return checks.preflight(StageAccess(ops_aws(emulator, config.region), config), tooling_account=ACCOUNT_ID)


def deploy_stage(emulator: EmulatorHandle, *, stage: str, outdir: Path, log: Optional[Path] = None,
                 demo_models: bool = True) -> tuple[dict[str, dict[str, str]], list[LandedRow]]:
    """Bootstrap, (Data, models, preflight,) deploy, and check what landed. Returns (outputs per stack, rows)."""
    from tools.ops.preflight import model_artifacts, package_versions, render

    config = stage_config(stage)
    bootstrap_regions(emulator, config, outdir=outdir, log=log)
    if not (outdir / "manifest.json").exists():
        synth(emulator, outdir=outdir, log=log)
    if model_artifacts(config) or package_versions(config):
        deploy(emulator, stage=stage, region=config.region, outdir=outdir, log=log, stacks="Data")
        if demo_models:
            release_demo_models(emulator, config)
    missing = [c for c in preflight(emulator, config) if not c.ok and not c.name.startswith("billing alerts")]
    if missing:
        raise DeployError(f"the preflight of {stage} failed:\n{render(missing)}")
    deploy(emulator, stage=stage, region=config.region, outdir=outdir, log=log)
    templates, regions = stage_templates(outdir, stage), stack_regions(outdir, stage)
    rows = landed(emulator, regions=regions, templates=templates)
    check_landed(rows)
    return stack_outputs(emulator, regions=regions), rows


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.deploy_local", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["deploy", "destroy"])
    parser.add_argument("--stage", default="Dev", help="the stage to deploy (default: Dev)")
    parser.add_argument("--no-demo-models", dest="demo_models", action="store_false",
                        help="do not release the demo model to missing artifacts (push your own with ops model push)")
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR,
                        help=f"cloud assembly directory (default: {DEFAULT_OUTDIR.relative_to(PROJECT_ROOT)})")
    args = parser.parse_args(argv)
    log = STATE_FILE.parent / "deploy-local.log"
    try:
        if args.command == "deploy":
            emulator = running_from_state()
            if emulator is None:
                emulator = start(log_file=STATE_FILE.parent / "local-emulator.log")
                write_state(emulator)
            print(f"emulator: {emulator.endpoint_url} (PID {emulator.pid}); CDK output in {log}")
            synth(emulator, outdir=args.outdir, log=log)  # always fresh: the assembly is reused by every step below
            outputs, rows = deploy_stage(emulator, stage=args.stage, outdir=args.outdir, log=log,
                                         demo_models=args.demo_models)
            print("\nOutputs\n" + render_outputs(outputs))
            print("\nWhat landed\n" + render_landed(rows))
            print(f"\nUse it: {sys.executable} -m tools.ops status --endpoint-url {emulator.endpoint_url} "
                  f"--region {stage_region(args.stage)}")
            print("Tear down: make destroy-local")
        else:
            emulator = running_from_state()
            if emulator is None:
                print("emulator: not running; nothing to destroy")
                return 0
            try:
                switched = destroy(emulator, stage=args.stage, region=stage_region(args.stage), outdir=args.outdir,
                                   log=log)
                for name in switched:
                    print(f"termination protection of {name} switched off (needed to destroy it)")
                print(f"destroyed {args.stage}/* in the emulator (retained resources stay)")
            finally:
                # The emulator keeps everything in memory: stopping it is the final clean-up either way.
                stop_from_state()
                print(f"emulator: stopped PID {emulator.pid}")
    except (DeployError, EmulatorError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
