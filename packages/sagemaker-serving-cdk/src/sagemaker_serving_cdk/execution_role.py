"""The IAM role SageMaker assumes to run models: endpoints and batch transform jobs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack, aws_iam as iam, aws_kms as kms, aws_s3 as s3
from constructs import Construct

from sagemaker_serving_cdk._acknowledge import acknowledge, nag_reference

# Namespaces SageMaker containers publish their own metrics to.
_SAGEMAKER_METRIC_NAMESPACES = ["/aws/sagemaker/*", "aws/sagemaker/*"]


class SageMakerExecutionRole(Construct):
    """A least-privilege execution role for SageMaker models.

    Grants exactly what serving and batch need, through grants on the resources themselves:
    read model artifacts, read input, write output and data capture, use the data key, write its
    logs and metrics, and pull its container images. No AmazonSageMakerFullAccess, no `s3:*`.

    :param model_bucket: where model.tar.gz artifacts live; read-only. Default: none (a `Model` grants read on
        exactly its own artifact instead).
    :param input_bucket: batch and async input; read-only. None: no input access.
    :param output_bucket: batch output, async results and data capture; write-only. None: no output access.
    :param image_repository_arns: ECR repositories the models' images come from (see `grant_image_pull`).
        Default: none.
    :param description: the role's description. Default: "Runs SageMaker models (endpoints, batch transform)".
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_bucket: s3.IBucket | None = None,
        input_bucket: s3.IBucket | None = None,
        output_bucket: s3.IBucket | None = None,
        image_repository_arns: Sequence[str] = (),
        description: str = "Runs SageMaker models (endpoints, batch transform)",
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Resource",
            description=description,
            assumed_by=iam.ServicePrincipal(
                "sagemaker.amazonaws.com",
                # Confused-deputy guard: only SageMaker acting for this account may assume the role.
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
        )
        if model_bucket is not None:
            model_bucket.grant_read(self.role)
            self.acknowledge_object_wildcard(
                model_bucket.arn_for_objects("*"), "reads any model artifact in the model bucket"
            )
        if input_bucket is not None:
            input_bucket.grant_read(self.role)
            self.acknowledge_object_wildcard(input_bucket.arn_for_objects("*"), "reads batch and async input")
        if output_bucket is not None:
            output_bucket.grant_put(self.role)
            self.acknowledge_object_wildcard(
                output_bucket.arn_for_objects("*"), "writes batch output, async results and data capture (put only)"
            )
        self._grant_logs_and_metrics(stack)
        if image_repository_arns:
            self.grant_image_pull(image_repository_arns)
        self._acknowledge_wildcards()

    def grant_image_pull(self, repository_arns: Sequence[str]) -> iam.Grant:
        """Pull images from these ECR repositories (framework registries or your own)."""
        iam.Grant.add_to_principal(grantee=self.role, actions=["ecr:GetAuthorizationToken"], resource_arns=["*"])
        return iam.Grant.add_to_principal(
            grantee=self.role,
            actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            resource_arns=list(repository_arns),
        )

    def acknowledge_object_wildcard(self, objects_arn: str, purpose: str) -> None:
        """Accept the IAM5 finding for an S3 object-ARN wildcard this role was granted (`bucket/prefix*`).

        SageMaker names the objects at run time (job and inference ids), so object grants need a key wildcard.
        """
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM5[Resource::{nag_reference(self, objects_arn)}]": (
                    f"S3 object wildcard on one bucket (or prefix): the role {purpose}; "
                    "object keys are chosen at run time"
                ),
            },
        )

    def grant_vpc_access(self) -> iam.Grant:
        """Create and manage the network interfaces SageMaker attaches to a model running in a VPC.

        The EC2 network-interface and Describe* actions SageMaker needs here accept no resource scoping.
        """
        return iam.Grant.add_to_principal(
            grantee=self.role,
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            resource_arns=["*"],
        )

    def grant_key(self, key: kms.IKey) -> iam.Grant:
        """Encrypt and decrypt with a key, e.g. for ML volumes or async output."""
        return key.grant_encrypt_decrypt(self.role)

    def _grant_logs_and_metrics(self, stack: Stack) -> None:
        log_groups = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="/aws/sagemaker/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                resources=[log_groups],
            )
        )
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM5[Resource::{nag_reference(self, log_groups)}]": (
                    "SageMaker writes to log groups it names per endpoint and job under /aws/sagemaker/; "
                    "only that prefix"
                ),
            },
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],  # PutMetricData has no resource-level permissions; the condition narrows it
                conditions={"StringLike": {"cloudwatch:namespace": _SAGEMAKER_METRIC_NAMESPACES}},
            )
        )

    def _acknowledge_wildcards(self) -> None:
        reasons = {
            "AwsSolutions-IAM5[Action::s3:GetObject*]": (
                "S3 read grant: GetObject and its version/ACL variants on the bucket's objects only"
            ),
            "AwsSolutions-IAM5[Action::s3:GetBucket*]": "S3 read grant: bucket metadata reads on the named bucket only",
            "AwsSolutions-IAM5[Action::s3:List*]": "S3 read grant: listing the named bucket only",
            "AwsSolutions-IAM5[Action::s3:Abort*]": (
                "S3 put grant: aborting its own multipart uploads to the named bucket"
            ),
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": (
                "KMS use via bucket grants, scoped to the environment's data key"
            ),
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]": (
                "KMS use via bucket grants, scoped to the environment's data key"
            ),
            "AwsSolutions-IAM5[Resource::*]": (
                "ecr:GetAuthorizationToken, cloudwatch:PutMetricData and (only for models in a VPC) the EC2 "
                "network-interface actions support no resource scoping; PutMetricData is limited to "
                "SageMaker namespaces by condition"
            ),
        }
        inline = (
            "The role's only policy is the inline default policy that CDK grants write, scoped to this one "
            "role and reviewed with it; a managed policy would be a separately attachable copy with no benefit."
        )
        reasons["NIST.800.53.R5-IAMNoInlinePolicy"] = inline
        reasons["HIPAA.Security-IAMNoInlinePolicy"] = inline
        acknowledge(self.role, reasons)
