"""The SNS topic every alarm of an environment notifies, and the service principals allowed to publish to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import (
    ArnFormat,
    Stack,
    aws_cloudwatch_actions as cw_actions,
    aws_iam as iam,
    aws_kms as kms,
    aws_sns as sns,
)
from constructs import Construct

# What a publisher needs on the key of an SSE-KMS topic (SNS docs, "compatibility with AWS services").
TOPIC_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")


@dataclass(frozen=True)
class ServicePublisher:
    """An AWS service that publishes to the topic as a service principal (not through an IAM role).

    :param principal: e.g. `cloudwatch.amazonaws.com`, `events.amazonaws.com`.
    :param source_arn: ARN pattern of the resources that publish (the `aws:SourceArn` of their requests),
        e.g. `arn:aws:cloudwatch:REGION:ACCOUNT:alarm:*`.
    :param key_request_has_source: whether the service's KMS requests for the topic carry
        `aws:SourceAccount`/`aws:SourceArn`. CloudWatch's do; AWS documents that EventBridge's do not, so its
        key grant can carry no such condition (which is why alarm topics get their own key).
    """

    principal: str
    source_arn: str
    key_request_has_source: bool = True

    def conditions(self, account: str) -> dict[str, dict[str, str]]:
        """The confused-deputy guard: only this account's `source_arn` resources, through this service."""
        return {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": self.source_arn}}


def cloudwatch_alarms(scope: Construct) -> ServicePublisher:
    """CloudWatch publishing for the alarms of `scope`'s account and region."""
    source = Stack.of(scope).format_arn(
        service="cloudwatch", resource="alarm", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
    return ServicePublisher("cloudwatch.amazonaws.com", source)


class AlarmTopic(Construct):
    """A KMS-encrypted SNS topic (id `Resource`) that accepts only TLS publishing, and lets `publishers` publish.

    An `AWS::SNS::TopicPolicy` replaces SNS's default policy, so every service principal that publishes must be
    allowed in it, and in the key policy of `master_key`; both grants carry `aws:SourceAccount` and
    `aws:SourceArn` conditions (ARCHITECTURE.md fact 6.16). Roles of the same account publish through their own policies
    (`topic.grant_publish`, and use of the key).

    :param master_key: encrypts messages at rest; its key policy gets the publishers' grants, so give the topic
        a key of its own rather than one that protects data.
    :param publishers: the services that publish. Default: none (add them with `allow_publisher`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        master_key: kms.Key,
        display_name: str,
        publishers: Sequence[ServicePublisher] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.master_key = master_key
        self.topic = sns.Topic(self, "Resource", master_key=master_key, enforce_ssl=True, display_name=display_name)
        self.action = cw_actions.SnsAction(self.topic)
        """Pass to `alarm.add_alarm_action` (and ok/insufficient-data actions)."""
        for publisher in publishers:
            self.allow_publisher(publisher)

    def allow_publisher(self, publisher: ServicePublisher) -> None:
        """Let a service principal publish: sns:Publish on the topic and the key use SSE needs."""
        account = Stack.of(self).account
        conditions = publisher.conditions(account)
        principal = iam.ServicePrincipal(publisher.principal)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"], principals=[principal], resources=[self.topic.topic_arn], conditions=conditions
            )
        )
        self.master_key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=list(TOPIC_KEY_ACTIONS),
                principals=[principal],
                resources=["*"],  # in a key policy, "*" means this key
                conditions=conditions if publisher.key_request_has_source else None,
            )
        )
