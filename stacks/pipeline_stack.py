"""The top-level Pipeline stack: CDK Pipelines taking a merged change through Dev and Staging to an approved Prod."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence

from aws_cdk import (
    DefaultStackSynthesizer,
    Duration,
    Environment,
    RemovalPolicy,
    Stack,
    Tags,
    aws_codebuild as codebuild,
    aws_iam as iam,
    aws_kms as kms,
    aws_s3 as s3,
    pipelines,
)
from constructs import Construct

from config import PipelineSettings
from paths import PROJECT_ROOT
from sagemaker_serving_cdk import SecureBucket, acknowledge
from stacks.smoke_test_access import SmokeTestAccessStack, pipeline_smoke_test_role_name, smoke_test_role_name
from stacks.stage import InferenceStage

# The pinned CDK CLI (ARCHITECTURE 6.2: `latest` is an accidental 3.0.0) for self-mutation, and the
# cdk-assets release that publishes assets; both would otherwise be installed as `latest` on every run.
CDK_CLI_VERSION = "2.1148.1"
CDK_ASSETS_VERSION = "4.7.3"
# CodeBuild's standard:7.0 image offers these; Python matches the venv the tests pin their wheels for,
# Node only runs npm (the pinned Node 22 itself comes from package.json).
PYTHON_RUNTIME = "3.11"
NODE_RUNTIME = "20"
# What CDK Pipelines' connection source (CodeStarConnectionsSourceAction, aws-cdk-lib 2.275.0) grants its
# action role, whatever the connection ARN's service prefix.
CDK_CONNECTION_ACTION = "codestar-connections:UseConnection"


def connection_use_action(connection_arn: str) -> str:
    """The IAM action that lets a role use a connection: its prefix must match the ARN's service (ARCHITECTURE.md fact 6.17),
    `codeconnections:UseConnection` for `arn:aws:codeconnections:...`, the old prefix for old ARNs."""
    service = connection_arn.split(":")[2] if connection_arn.count(":") >= 5 else ""
    if service not in {"codeconnections", "codestar-connections"}:
        raise ValueError(f"{connection_arn!r} is not a CodeConnections (or CodeStar Connections) connection ARN")
    return f"{service}:UseConnection"


def pinned_requirement(package: str, requirements: Path = PROJECT_ROOT / "requirements.txt") -> str:
    """`package==version` exactly as requirements.txt pins it, so the smoke test runs the tested boto3."""
    for line in requirements.read_text().splitlines():
        if re.match(rf"^{re.escape(package)}==\S+$", line.strip()):
            return line.strip()
    raise ValueError(f"{requirements} does not pin {package} (expected a line `{package}==X.Y.Z`)")


def add_smoke_test_access(stage: InferenceStage, *, tooling_account: str) -> SmokeTestAccessStack:
    """The role the pipeline's smoke test assumes in the stage's account. Added by the app builder to every
    stage before the pipeline deploys it (the pipeline synthesizes its stages while it is built)."""
    return SmokeTestAccessStack(
        stage, "SmokeTestAccess", config=stage.config, data=stage.data, tooling_account=tooling_account,
        description=f"SageMaker inference smoke-test access for the pipeline ({stage.config.name})",
    )


class PipelineStack(Stack):
    """A self-mutating CodePipeline in the tooling account.

    Source (a CodeStar connection) -> Synth (`make setup`, `make test`, `make synth`) -> self-update ->
    one stage per environment in `settings.stage_order`, each followed by a smoke test of its endpoints; stages
    named in `settings.approval_before` wait for a manual approval first.

    It deploys the app's own top-level stages (`stages`), not copies of them: what `cdk deploy 'Dev/*'` deploys
    and the compliance packs check is exactly what the pipeline deploys, and each stage is synthesized and
    validated once. The stages must be complete when they are passed in: CDK Pipelines synthesizes them here.

    Exposes `pipeline` (the CDK Pipelines construct; its `pipeline` is the CodePipeline after build),
    `stages` (the InferenceStage instances it deploys, in deployment order), `artifact_bucket` and `artifact_key`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: PipelineSettings,
        stages: Sequence[InferenceStage],
        **kwargs,
    ) -> None:
        super().__init__(
            scope, construct_id, env=Environment(account=settings.account, region=settings.region), **kwargs
        )
        self.settings = settings
        for key in ("project", "owner", "cost-center"):
            if stages:
                Tags.of(self).add(key, stages[0].config.tags[key])
        Tags.of(self).add("environment", "tooling")

        # Our own key and bucket instead of CDK Pipelines' defaults: rotation, TLS-only, access logs and
        # an expiry, which the compliance packs require. Artifacts are transient; the expiry empties the
        # retained bucket.
        self.artifact_key = kms.Key(
            self, "ArtifactKey", enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN,
            description="Encrypts the pipeline's artifacts; the stage accounts' deploy roles may decrypt",
        )
        access_logs = SecureBucket(
            self, "ArtifactAccessLogs", encryption_key=None, server_access_logs_bucket=None,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(365))],
        ).bucket
        self.artifact_bucket = SecureBucket(
            self, "Artifacts", encryption_key=self.artifact_key, server_access_logs_bucket=access_logs,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-artifacts", expiration=Duration.days(30),
                                 noncurrent_version_expiration=Duration.days(1),
                                 abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
        ).bucket

        self.source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn,
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            synth=pipelines.ShellStep(
                "Synth",
                input=self.source,
                # The README's setup: the pinned venv and `npm ci` (CDK CLI 2.x, Node 22).
                install_commands=["make setup"],
                # Every gate must pass before anything deploys; then the assembly the stages deploy from.
                commands=["make test", "make synth"],
                primary_output_directory="cdk.out",
            ),
            artifact_bucket=self.artifact_bucket,
            cross_account_keys=True,  # cross-region support stacks get a KMS key too
            enable_key_rotation=True,
            cli_version=CDK_CLI_VERSION,
            cdk_assets_cli_version=CDK_ASSETS_VERSION,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                    compute_type=codebuild.ComputeType.SMALL,
                ),
                partial_build_spec=codebuild.BuildSpec.from_object({
                    "phases": {"install": {"runtime-versions": {"python": PYTHON_RUNTIME, "nodejs": NODE_RUNTIME}}},
                }),
                timeout=Duration.minutes(60),
            ),
        )

        self.stages: list[InferenceStage] = []
        by_name = {stage.config.name: stage for stage in stages}
        if sorted(by_name) != sorted(settings.stage_order):
            raise ValueError(f"pipeline stage_order {list(settings.stage_order)} must name each environment once: "
                             f"{sorted(by_name)}; validate with load_pipeline_settings(environment_names=...)")
        for stage in (by_name[name] for name in settings.stage_order):
            config = stage.config
            pre: list[pipelines.Step] = []
            if config.name in settings.approval_before:
                pre.append(pipelines.ManualApprovalStep(
                    f"Approve{config.stage_id}",
                    comment=f"Promote to {config.stage_id}: review the earlier stages' smoke tests first.",
                ))
            preflight = self._preflight(stage)
            for earlier in pre:
                preflight.add_step_dependency(earlier)  # after the approval: the accounts may change while waiting
            pre.append(preflight)
            self.pipeline.add_stage(stage, pre=pre, post=[self._smoke_test(stage)])
            self.stages.append(stage)

        # Build now (rather than at synth) so the generated roles and support stacks exist to be reviewed.
        self.pipeline.build_pipeline()
        # cfn-lint 1.x validates an action's Configuration.RoleArn and re-labels the informational
        # "prefer Fn::Sub over Fn::Join" (I1022) about CDK's partition-qualified bootstrap role ARNs as the
        # error E3703. Ignored on this one resource only; tests/gates/test_cfn_lint.py shows when it is fixed.
        self.pipeline.pipeline.node.default_child.add_metadata(
            "cfn-lint", {"config": {"ignore_checks": ["E3703"]}})
        self._grant_connection_use(settings.connection_arn)
        self._acknowledge_generated_policies()
        self._acknowledge_cross_region_buckets()

    def _grant_connection_use(self, connection_arn: str) -> None:
        """Replace the UseConnection action CDK grants the Source action's role with the one the ARN's prefix needs."""
        action = connection_use_action(connection_arn)
        for policy in self.pipeline.node.find_all():
            if not isinstance(policy, iam.Policy):
                continue
            statements = self.resolve(policy.document)["Statement"]
            for index, statement in enumerate(statements):
                if statement.get("Action") == CDK_CONNECTION_ACTION and statement.get("Resource") == connection_arn:
                    policy.node.default_child.add_property_override(f"PolicyDocument.Statement.{index}.Action", action)
                    return
        raise ValueError(f"no statement granting {CDK_CONNECTION_ACTION} on {connection_arn} in the pipeline: "
                         "CDK Pipelines changed how it grants the connection; revisit _grant_connection_use")

    def _tool_step(self, step_id: str, *, command: str, role_arn: str, role: Optional[iam.IRole] = None
                   ) -> pipelines.CodeBuildStep:
        """A step running one of our tools from the source: only the tested boto3 and pydantic (config) installed,
        allowed only to assume `role_arn` (in the stage's account), which is passed as $ROLE_ARN."""
        return pipelines.CodeBuildStep(
            step_id,
            input=self.source,
            install_commands=[f"pip install --quiet '{pinned_requirement('boto3')}' '{pinned_requirement('pydantic')}'"],
            commands=[command],
            env={"ROLE_ARN": role_arn},
            role=role,
            role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])],
        )

    def _smoke_test(self, stage: InferenceStage) -> pipelines.CodeBuildStep:
        """Sends every configured endpoint its smoke request, from the tooling account via the stage's
        smoke-test role, which trusts only this step's role (a fixed name, as the trust crosses accounts)."""
        config = stage.config
        role_arn = self.format_arn(service="iam", region="", account=config.account, resource="role",
                                   resource_name=smoke_test_role_name(config))
        # In the pipeline construct, where the acknowledgments of the step roles CDK Pipelines generates apply.
        step_role = iam.Role(self.pipeline, f"SmokeTest{config.stage_id}Role", role_name=pipeline_smoke_test_role_name(config),
                             assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
                             description=f"The pipeline's smoke test of {config.stage_id}")
        return self._tool_step(f"SmokeTest{config.stage_id}", role_arn=role_arn, role=step_role,
                               command=f'python -m tools.smoke_test --stage {config.stage_id} --role-arn "$ROLE_ARN"')

    def _preflight(self, stage: InferenceStage) -> pipelines.CodeBuildStep:
        """Before the stage deploys: its model artifacts, package versions, bootstrap stacks and the billing
        metric exist (tools/ops/preflight.py), read through the stage account's CDK lookup role (read-only,
        trusted by the tooling account when bootstrapped with --trust)."""
        config = stage.config
        qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER
        role_arn = self.format_arn(service="iam", region="", account=config.account, resource="role",
                                   resource_name=f"cdk-{qualifier}-lookup-role-{config.account}-{config.region}")
        return self._tool_step(f"Preflight{config.stage_id}", role_arn=role_arn,
                               command=f'python -m tools.ops preflight --stage {config.stage_id} --role-arn "$ROLE_ARN"')

    def _acknowledge_generated_policies(self) -> None:
        """CDK Pipelines generates one role and default policy per action; acknowledge, per policy,
        exactly the findings its kind of role carries."""
        account, region = self.account, self.region
        artifacts = f"<{self.get_logical_id(self.artifact_bucket.node.default_child)}.Arn>/*"
        inline = ("CDK Pipelines generates one default policy per role it creates, attached to that role only "
                  "and regenerated with the pipeline's shape; a managed policy would add no reuse or review.")
        artifact_grant = ("The CDK grant on the pipeline's own artifact bucket and key: object actions on "
                          "that bucket's objects only (KMS use via the bucket).")
        pipeline_role = self.pipeline.pipeline.role
        for project in self.pipeline.node.find_all():
            if isinstance(project, codebuild.Project):
                no_repo = ("The project's source is the pipeline's encrypted artifact (type CODEPIPELINE), never a "
                           "repository URL; the Git host is reached only through the CodeStar connection.")
                acknowledge(project, {"HIPAA.Security-CodeBuildProjectSourceRepoUrl": no_repo})
        projects_by_role = {project.role.node.path: project for project in self.pipeline.node.find_all()
                            if isinstance(project, codebuild.Project) and project.role is not None}
        for policy in self.pipeline.node.find_all():
            if not isinstance(policy, iam.Policy):
                continue
            reasons = {
                "HIPAA.Security-IAMNoInlinePolicy": inline,
                "NIST.800.53.R5-IAMNoInlinePolicy": inline,
            }
            reasons.update({
                f"AwsSolutions-IAM5[{finding}]": artifact_grant
                for finding in ("Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
                                "Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::kms:GenerateDataKey*",
                                "Action::kms:ReEncrypt*", f"Resource::{artifacts}")
            })
            # policy -> role -> what the role is for (a step role we named ourselves: the project using it)
            owner = projects_by_role.get(policy.node.scope.node.path, policy.node.scope.node.scope)
            if isinstance(owner, codebuild.Project):
                project = f"<{self.get_logical_id(owner.node.default_child)}>"
                own_logs = "CodeBuild writes its own project's log streams and test reports; the stream and report names are generated per build."
                reasons[f"AwsSolutions-IAM5[Resource::arn:aws:logs:{region}:{account}:log-group:/aws/codebuild/{project}:*]"] = own_logs
                reasons[f"AwsSolutions-IAM5[Resource::arn:aws:codebuild:{region}:{account}:report-group/{project}-*]"] = own_logs
            if owner.node.id == "SelfMutation":
                reasons["AwsSolutions-IAM5[Resource::*]"] = (
                    "Self-mutation (CDK-generated): cloudformation:DescribeStacks and s3:ListBucket, which "
                    "`cdk deploy` needs to find the bootstrap stack and its bucket; both read-only.")
                reasons[f"AwsSolutions-IAM5[Resource::arn:*:iam::{account}:role/*]"] = (
                    "Self-mutation may assume only this account's CDK bootstrap roles: the condition "
                    "iam:ResourceTag/aws-cdk:bootstrap-role limits it to deploy and publishing roles.")
            if policy.node.path.endswith("/Assets/FileRole/DefaultPolicy"):
                shared = ("The asset-publishing role is shared by every asset project CDK Pipelines creates "
                          "(their names are not known when the role is made); it only starts and reads builds, "
                          "writes their logs and reports, and assumes the bootstrap file-publishing roles.")
                reasons[f"AwsSolutions-IAM5[Resource::arn:aws:logs:{region}:{account}:log-group:/aws/codebuild/*]"] = shared
                reasons[f"AwsSolutions-IAM5[Resource::arn:aws:codebuild:{region}:{account}:report-group/*]"] = shared
                reasons["AwsSolutions-IAM5[Resource::*]"] = shared
            if policy.node.scope.node.path == pipeline_role.node.path:
                for support in self.pipeline.pipeline.cross_region_support.values():
                    bucket = self.resolve(support.replication_bucket.bucket_name)  # its generated physical name
                    reasons[f"AwsSolutions-IAM5[Resource::arn:aws:s3:::{bucket}/*]"] = (
                        "The pipeline copies artifacts into the cross-region replication bucket CDK creates for "
                        "a stage in another region; objects of that one bucket only.")
                reasons["AwsSolutions-IAM5[Resource::*]"] = (
                    "KMS use on the cross-region replication bucket's key, which the pipeline can only name "
                    "by alias from another region; that key's policy admits only this pipeline's roles.")
            acknowledge(policy, reasons)

    def _acknowledge_cross_region_buckets(self) -> None:
        """The replication bucket CDK creates (in its own support stack) for a stage in another region."""
        transient = ("CodePipeline's cross-region replication bucket (CDK-generated, KMS-encrypted, TLS-only) "
                     "holds short-lived copies of artifacts whose record is the versioned, logged artifact "
                     "bucket in the tooling region.")
        for support in self.pipeline.pipeline.cross_region_support.values():
            acknowledge(support.replication_bucket, {
                rule: transient for rule in (
                    "AwsSolutions-S1",
                    "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3BucketLoggingEnabled",
                    "HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled",
                    "HIPAA.Security-S3BucketVersioningEnabled", "NIST.800.53.R5-S3BucketVersioningEnabled",
                )
            })
