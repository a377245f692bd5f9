"""The role the pipeline's smoke test assumes in a stage's account: exactly the calls tools/smoke_test.py makes."""

from __future__ import annotations

from aws_cdk import Stack, Token, aws_iam as iam
from constructs import Construct

from config import EnvironmentConfig
from config.serving import async_paths
from sagemaker_serving_cdk import acknowledge
from stacks.data_stack import DataStack


def smoke_test_role_name(config: EnvironmentConfig) -> str:
    """A fixed name: the pipeline (another account) builds the ARN from it, as no reference can cross."""
    return f"{config.name_prefix}-smoke-test"


def pipeline_smoke_test_role_name(config: EnvironmentConfig) -> str:
    """The pipeline's smoke-test step runs as this role in the tooling account; the stage's role trusts only it."""
    return f"{config.name_prefix}-pipeline-smoke-test"


class SmokeTestAccessStack(Stack):
    """Lets the pipeline's smoke-test step of this stage (that one role in the tooling account) send each
    configured endpoint its probe, and nothing else:

    - real-time, serverless and multi-model endpoints: sagemaker:InvokeEndpoint on those endpoints;
    - async endpoints: sagemaker:InvokeEndpointAsync on them, s3:PutObject of the request under the endpoint's
      input prefix, s3:ListBucket limited (s3:prefix) to its output and failure prefixes and s3:GetObject of
      them (the smoke test lists a result before reading it), the data key through S3 only (kms:ViaService), and
      DescribeStacks of the Data stack, whose outputs name the input bucket.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, data: DataStack,
                 tooling_account: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.pipeline_role_arn = self.format_arn(service="iam", region="", account=tooling_account, resource="role",
                                                 resource_name=pipeline_smoke_test_role_name(config))
        # Not the account root unconditioned: only the named role (a principal ARN would have to exist
        # already when this stack deploys; the condition does not).
        self.role = iam.Role(
            self, "Role",
            role_name=smoke_test_role_name(config),
            assumed_by=iam.AccountPrincipal(tooling_account).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": self.pipeline_role_arn}}),
            description=f"Assumed by the pipeline's smoke test of {config.stage_id}",
        )
        statements, asynchronous = self._statements(config, data)
        # A managed policy, not an inline one: the HIPAA and NIST packs reject inline policies.
        self.policy = iam.ManagedPolicy(self, "Policy", roles=[self.role], statements=statements)
        if asynchronous:
            self._acknowledge_object_prefixes(config, asynchronous)

    def _statements(self, config: EnvironmentConfig, data: DataStack) -> tuple[list[iam.PolicyStatement], dict]:
        serving = config.serving
        endpoint_arn = lambda name: self.format_arn(  # noqa: E731 - one line per use below
            service="sagemaker", resource="endpoint", resource_name=config.endpoint_name(name))
        sync = [name for name, e in serving.endpoints.items() if e.async_inference is None]
        asynchronous = {name: async_paths(name, e.async_inference)
                        for name, e in serving.endpoints.items() if e.async_inference is not None}
        statements = []
        if sync:
            statements.append(iam.PolicyStatement(actions=["sagemaker:InvokeEndpoint"],
                                                  resources=[endpoint_arn(name) for name in sync]))
        # Component probes read the copy count first: a component at zero copies is woken, then asked again.
        components = [config.inference_component_name(name, key)
                      for name, e in serving.endpoints.items() for key in e.components]
        if components:
            statements.append(iam.PolicyStatement(actions=["sagemaker:DescribeInferenceComponent"], resources=[
                self.format_arn(service="sagemaker", resource="inference-component", resource_name=name.lower())
                for name in components]))
        if not asynchronous:
            return statements, asynchronous
        refs = data.references(self)
        input_arn, output_arn = refs.input.bucket_arn, refs.output.bucket_arn
        results = [p for paths in asynchronous.values() for p in (paths.output_prefix, paths.failure_prefix)]
        statements += [
            iam.PolicyStatement(actions=["sagemaker:InvokeEndpointAsync"],
                                resources=[endpoint_arn(name) for name in asynchronous]),
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[self.format_arn(
                service="cloudformation", resource="stack", resource_name=f"{config.stage_id}-Data/*")]),
            iam.PolicyStatement(actions=["s3:PutObject"],
                                resources=[f"{input_arn}/{p.input_prefix}*" for p in asynchronous.values()]),
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{output_arn}/{p}*" for p in results]),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[output_arn],
                                conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in results]}}),
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[refs.key.key_arn],
                                conditions={"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}}),
        ]
        return statements, asynchronous

    def _acknowledge_object_prefixes(self, config: EnvironmentConfig, asynchronous: dict) -> None:
        # cdk-nag names a wildcard resource as rendered; an imported ARN appears as its export name.
        reason = ("The smoke test writes its request and reads its result under the async endpoint's own prefixes; "
                  "SageMaker names the result objects by inference id at run time, so the object part is a wildcard.")
        findings = {}
        for paths in asynchronous.values():
            findings[f"Resource::{config.name_prefix}-InputBucketArn/{paths.input_prefix}*"] = reason
            for prefix in (paths.output_prefix, paths.failure_prefix):
                findings[f"Resource::{config.name_prefix}-OutputBucketArn/{prefix}*"] = reason
        partition = "<AWS::Partition>" if Token.is_unresolved(self.partition) else self.partition
        findings[f"Resource::arn:{partition}:cloudformation:{config.region}:{config.account}:stack/{config.stage_id}-Data/*"] = (
            "Read-only DescribeStacks on this stage's Data stack; CloudFormation appends a random id to a stack ARN.")
        acknowledge(self.policy, {f"AwsSolutions-IAM5[{finding}]": why for finding, why in findings.items()})
