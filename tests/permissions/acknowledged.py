"""Broad identity grants we accept, each with the reason. Matched by the stack kind (the part of the stack label
after the stage, so it holds for every configured stage), the action and the resource pattern."""

from __future__ import annotations

from dataclasses import dataclass

from tests.permissions.breadth import Grant
from tests.permissions.evaluator import wildcard_match

NO_RESOURCE_LEVEL = "supports no resource-level permissions (Service Authorization Reference): Resource must be *"


@dataclass(frozen=True)
class Acknowledged:
    stack_kind: str
    """`Serving`, `Batch`, ... (a stage's stack) or `Pipeline`."""
    action: str
    resource: str
    reason: str

    def covers(self, grant: Grant) -> bool:
        kind = grant.stack.rsplit("/", 1)[-1]
        return kind == self.stack_kind and wildcard_match(self.action, grant.action, ignore_case=True) \
            and grant.resource == self.resource


_SAGEMAKER_ROLE = [
    ("ecr:GetAuthorizationToken", "*", f"registry login {NO_RESOURCE_LEVEL}"),
    ("cloudwatch:PutMetricData", "*", f"PutMetricData {NO_RESOURCE_LEVEL}; a cloudwatch:namespace condition "
                                      "limits it to SageMaker's namespaces"),
]
_STATE_MACHINE_ROLE = [
    ("logs:*", "*", "CloudWatch Logs vended delivery for Step Functions (CreateLogDelivery and friends) "
                    f"{NO_RESOURCE_LEVEL}; CDK adds them for the state machine's log group"),
    ("xray:*", "*", f"X-Ray trace writes {NO_RESOURCE_LEVEL}; CDK adds them for tracing"),
]
_PIPELINE = [
    ("sts:AssumeRole", "arn:*:iam::{tooling}:role/*", "self-mutation assumes the CDK bootstrap roles only: an "
                                                       "iam:ResourceTag/aws-cdk:bootstrap-role condition limits it"),
    ("s3:ListBucket", "*", "self-mutation finds the bootstrap bucket (CDK-generated, read-only)"),
    ("cloudformation:DescribeStacks", "*", "self-mutation finds the bootstrap stack (CDK-generated, read-only)"),
    ("kms:*", "*", "the cross-region replication key, which the pipeline can only name by alias; its key "
                   "policy admits only the pipeline's roles"),
    ("codebuild:*", "*", "the asset-publishing role CDK Pipelines shares between projects created after it"),
    ("codebuild:*", "arn:aws:codebuild:{region}:{tooling}:report-group/*",
     "the shared asset-publishing role writes the reports of projects named after it is created"),
]


def acknowledged(tooling_account: str, tooling_region: str) -> list[Acknowledged]:
    entries = [Acknowledged(kind, a, r, why) for kind in ("Serving", "Batch") for a, r, why in _SAGEMAKER_ROLE]
    entries += [Acknowledged("Batch", a, r, why) for a, r, why in _STATE_MACHINE_ROLE]
    entries += [Acknowledged("Pipeline", a, r.format(tooling=tooling_account, region=tooling_region), why)
                for a, r, why in _PIPELINE]
    return entries
