"""The stateful stack: the data key, the buckets, the model registry and the alarm topic. Never replaced."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Duration, Fn, RemovalPolicy, Stack, aws_cloudwatch_actions as cw_actions, aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from config import EnvironmentConfig
from stacks.alarm_subscriptions import AlarmSubscriptions
from sagemaker_serving_cdk import AlarmTopic, DeploymentStateEvents, cloudwatch_alarms
from sagemaker_serving_cdk import BucketLayout, DataBuckets, EncryptionKey, ModelRegistry
from stacks import adapter


@dataclass(frozen=True)
class DataReferences:
    """The Data stack's resources as another stack sees them: imported from named exports of stable ARNs."""

    key: kms.IKey
    input: s3.IBucket
    output: s3.IBucket
    models: s3.IBucket
    alarm_topic: sns.ITopic
    alarm_topic_key: kms.IKey
    alarm_action: cw_actions.SnsAction
    registry: ModelRegistry
    layout: BucketLayout


class DataStack(Stack):
    """Holds everything whose loss would lose data. Its construct ids are pinned by tests: renaming one
    would replace the resource (and, outside dev, orphan the retained original)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, termination_protection=config.termination_protection, **kwargs)
        removal = adapter.removal_policy(config.retain_data)
        self.export_prefix = config.name_prefix

        self.data_key = EncryptionKey(self, "DataKey", alias=f"{config.name_prefix}-data", removal_policy=removal)
        self.key = self.data_key.key
        self.buckets = DataBuckets(self, "Buckets", encryption_key=self.key, removal_policy=removal,
                                   **adapter.bucket_lifecycle(config.data))
        self.registry = ModelRegistry(
            self,
            "ModelRegistry",
            group_name=f"{config.name_prefix}-models",
            description=f"Approved models for the {config.name} environment",
            removal_policy=removal,
        )
        # The alarm topic has a key of its own: publishing services (CloudWatch, later EventBridge, whose KMS
        # requests carry no source conditions) get grants on it, never on the key that protects the buckets.
        # It protects notifications in transit only, so it goes with the stack in every environment.
        self.alarm_topic_key = EncryptionKey(
            self, "AlarmTopicKey", alias=f"{config.name_prefix}-alarm-topic",
            description=f"Encrypts alarm notifications ({config.name})",
            removal_policy=RemovalPolicy.DESTROY, pending_window=Duration.days(7),
        ).key
        self.alarm_topic = AlarmTopic(self, "AlarmTopic", master_key=self.alarm_topic_key,
                                      display_name=f"SageMaker inference alarms ({config.name})",
                                      publishers=[cloudwatch_alarms(self)])
        AlarmSubscriptions(self, "AlarmSubscriptions", topic=self.alarm_topic.topic,
                           settings=config.monitoring.subscriptions)
        # A failed or rolled-back endpoint deployment reaches the same people as the alarms. The rule lives next to
        # the topic whose policy names it (in the Serving stack, the two stacks would reference each other).
        DeploymentStateEvents(self, "DeploymentEvents", endpoint_name_prefix=f"{config.name_prefix}-",
                              topic=self.alarm_topic)

        outputs = {
            "InputBucketName": self.buckets.input.bucket_name,
            "OutputBucketName": self.buckets.output.bucket_name,
            "ModelBucketName": self.buckets.models.bucket_name,
            "AccessLogBucketName": self.buckets.access_logs.bucket_name,
            "ModelPackageGroupName": self.registry.group_name,
        }
        for output_id, value in outputs.items():
            CfnOutput(self, output_id, value=value)
        # Named exports of ARNs that never change: other stacks import these, never a model or config name.
        exported = {
            "DataKeyArn": self.key.key_arn,
            "InputBucketArn": self.buckets.input.bucket_arn,
            "OutputBucketArn": self.buckets.output.bucket_arn,
            "ModelBucketArn": self.buckets.models.bucket_arn,
            "AlarmTopicArn": self.alarm_topic.topic.topic_arn,
            "AlarmTopicKeyArn": self.alarm_topic_key.key_arn,
        }
        for output_id, value in exported.items():
            CfnOutput(self, output_id, value=value, export_name=self.export_name(output_id))

    def export_name(self, output_id: str) -> str:
        return f"{self.export_prefix}-{output_id}"

    def references(self, scope: Construct) -> DataReferences:
        """Import the stable ARNs into `scope` (another stack of the same stage), which then depends on this stack."""
        Stack.of(scope).add_stack_dependency(self)

        def imported(output_id: str) -> str:
            return Fn.import_value(self.export_name(output_id))

        key = kms.Key.from_key_arn(scope, "DataKey", imported("DataKeyArn"))

        def bucket(bucket_id: str, output_id: str) -> s3.IBucket:
            return s3.Bucket.from_bucket_attributes(scope, bucket_id, bucket_arn=imported(output_id), encryption_key=key)

        topic_key = kms.Key.from_key_arn(scope, "AlarmTopicKey", imported("AlarmTopicKeyArn"))
        topic = sns.Topic.from_topic_attributes(scope, "AlarmTopic", topic_arn=imported("AlarmTopicArn"),
                                                key_arn=topic_key.key_arn)
        return DataReferences(
            key=key,
            input=bucket("InputBucket", "InputBucketArn"),
            output=bucket("OutputBucket", "OutputBucketArn"),
            models=bucket("ModelBucket", "ModelBucketArn"),
            alarm_topic=topic,
            alarm_topic_key=topic_key,
            alarm_action=cw_actions.SnsAction(topic),
            registry=self.registry,
            layout=self.buckets.layout,
        )
