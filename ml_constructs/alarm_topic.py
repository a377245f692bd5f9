"""The SNS topic every alarm of an environment notifies (subscriptions come with the monitoring stack)."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch_actions as cw_actions, aws_kms as kms, aws_sns as sns
from constructs import Construct


class AlarmTopic(Construct):
    """A KMS-encrypted SNS topic (id `Resource`) that accepts only TLS publishing.

    :param master_key: encrypts messages at rest. Its key policy must let CloudWatch use it (see
        `DataKey.allow_service`), or encrypted alarm notifications are silently dropped.
    """

    def __init__(self, scope: Construct, construct_id: str, *, master_key: kms.IKey, display_name: str) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Resource", master_key=master_key, enforce_ssl=True, display_name=display_name)
        self.action = cw_actions.SnsAction(self.topic)
        """Pass to `alarm.add_alarm_action` (and ok/insufficient-data actions)."""
