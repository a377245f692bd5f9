"""The billing guard: EstimatedCharges alarms and their own encrypted topic, always in us-east-1."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Environment, RemovalPolicy, Stack
from constructs import Construct

from config import EnvironmentConfig
from stacks.alarm_subscriptions import AlarmSubscriptions
from sagemaker_serving_cdk import AlarmTopic, cloudwatch_alarms
from stacks.billing_alarms import BILLING_REGION, BillingAlarms
from sagemaker_serving_cdk import EncryptionKey


class BillingStack(Stack):
    """Lives in us-east-1 whatever the environment's region, because AWS/Billing metrics exist only there.

    It references nothing in the environment's other stacks (they may sit in another region, and
    CloudFormation exports do not cross regions): it has its own KMS key and topic, and the config's
    subscriptions are added to that topic too.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        super().__init__(
            scope, construct_id, env=Environment(account=config.account, region=BILLING_REGION), **kwargs
        )
        # The key protects notifications in transit through SNS, not data at rest: nothing needs it after the
        # stack is gone, so it is scheduled for deletion with the stack in every environment.
        topic_key = EncryptionKey(
            self,
            "TopicKey",
            alias=f"{config.name_prefix}-billing-alarms",
            description=f"Encrypts billing alarm notifications ({config.name})",
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key = topic_key.key
        self.alarm_topic = AlarmTopic(self, "AlarmTopic", master_key=self.key,
                                      display_name=f"SageMaker inference billing ({config.name})",
                                      publishers=[cloudwatch_alarms(self)])
        self.topic = self.alarm_topic.topic
        AlarmSubscriptions(self, "Subscriptions", topic=self.topic, settings=config.monitoring.subscriptions)
        self.alarms = BillingAlarms(
            self,
            "Alarms",
            settings=config.monitoring.billing,
            action=self.alarm_topic.action,
            name_prefix=config.name_prefix,
        )
        CfnOutput(self, "BillingTopicArn", value=self.topic.topic_arn)
