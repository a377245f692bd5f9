"""The environment's model registry: a SageMaker model package group."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack, aws_sagemaker as sagemaker
from constructs import Construct


class ModelRegistry(Construct):
    """A model package group that versions the environment's approved models.

    The group needs a physical name (CloudFormation requires one); it is not replaced on update.
    :param group_name: 1-63 characters, letters, digits and hyphens.
    :param removal_policy: RETAIN keeps the group and its versions when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group_name: str,
        description: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.group = sagemaker.CfnModelPackageGroup(
            self,
            "Resource",
            model_package_group_name=group_name,
            model_package_group_description=description,
        )
        self.group.apply_removal_policy(removal_policy)
        self.group_name = group_name
        self.group_arn = self.group.attr_model_package_group_arn

    def model_package_arn(self, version: int) -> str:
        """The ARN of one registered version of this group."""
        stack = Stack.of(self)
        return stack.format_arn(
            service="sagemaker", resource="model-package", resource_name=f"{self.group_name}/{version}"
        )
