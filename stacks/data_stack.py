"""The stateful stack: the data key, the buckets and the model registry. Never replaced."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from config import EnvironmentConfig
from ml_constructs.buckets import DataBuckets
from ml_constructs.encryption import DataKey
from ml_constructs.model_registry import ModelRegistry
from ml_constructs.removal import data_removal_policy


class DataStack(Stack):
    """Holds everything whose loss would lose data. Its construct ids are pinned by tests: renaming one
    would replace the resource (and, outside dev, orphan the retained original)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, termination_protection=config.termination_protection, **kwargs)
        removal = data_removal_policy(config.retain_data)

        self.data_key = DataKey(self, "DataKey", alias=f"{config.name_prefix}-data", removal_policy=removal)
        self.key = self.data_key.key
        self.buckets = DataBuckets(self, "Buckets", encryption_key=self.key, lifecycle=config.data,
                                   removal_policy=removal)
        self.registry = ModelRegistry(
            self,
            "ModelRegistry",
            group_name=f"{config.name_prefix}-models",
            description=f"Approved models for the {config.name} environment",
            removal_policy=removal,
        )

        outputs = {
            "InputBucketName": self.buckets.input.bucket_name,
            "OutputBucketName": self.buckets.output.bucket_name,
            "ModelBucketName": self.buckets.models.bucket_name,
            "AccessLogBucketName": self.buckets.access_logs.bucket_name,
            "DataKeyArn": self.key.key_arn,
            "ModelPackageGroupName": self.registry.group_name,
        }
        for output_id, value in outputs.items():
            CfnOutput(self, output_id, value=value)
