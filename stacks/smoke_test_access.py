"""The role the pipeline's smoke test assumes in a stage's account: read the stage's outputs, invoke endpoints."""

from __future__ import annotations

from aws_cdk import Stack, Token, aws_iam as iam
from constructs import Construct

from config import EnvironmentConfig
from ml_constructs.acknowledgments import acknowledge


def smoke_test_role_name(config: EnvironmentConfig) -> str:
    """A fixed name: the pipeline (another account) builds the ARN from it, as no reference can cross."""
    return f"{config.name_prefix}-smoke-test"


class SmokeTestAccessStack(Stack):
    """Lets the tooling account's smoke-test step (and only principals it grants sts:AssumeRole to)
    read this stage's stack outputs and invoke its endpoints; nothing else."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 tooling_account: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        stage_id = config.stage_id  # the stage's stacks are named `<stage id>-<stack id>`, e.g. Dev-Data
        self.role = iam.Role(
            self, "Role",
            role_name=smoke_test_role_name(config),
            assumed_by=iam.AccountPrincipal(tooling_account),
            description=f"Assumed by the pipeline's smoke test of {config.stage_id}",
        )
        stacks_arn = self.format_arn(service="cloudformation", resource="stack", resource_name=f"{stage_id}-*/*")
        endpoints_arn = self.format_arn(service="sagemaker", resource="endpoint", resource_name="*")
        # A managed policy, not an inline one: the HIPAA and NIST packs reject inline policies.
        policy = iam.ManagedPolicy(self, "Policy", roles=[self.role], statements=[
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[stacks_arn]),
            iam.PolicyStatement(actions=["sagemaker:InvokeEndpoint"], resources=[endpoints_arn]),
        ])
        # cdk-nag names the resource as rendered: a literal partition where the region is known.
        partition = "<AWS::Partition>" if Token.is_unresolved(self.partition) else self.partition
        acknowledge(policy, {
            f"AwsSolutions-IAM5[Resource::arn:{partition}:cloudformation:{config.region}:{config.account}:"
            f"stack/{stage_id}-*/*]":
                "Read-only DescribeStacks on this stage's own stacks; CloudFormation appends a random id "
                "to every stack ARN, so the id part must be a wildcard.",
            f"AwsSolutions-IAM5[Resource::arn:{partition}:sagemaker:{config.region}:{config.account}:endpoint/*]":
                "Endpoints carry generated names (a fixed name collides with its own replacement), so the "
                "invoke-only grant covers the endpoints of this account and region.",
        })
