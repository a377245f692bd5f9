"""SageMaker's endpoint state and deployment state changes, sent to an alarm topic: a failed or rolled-back
deployment must not go unnoticed.

Events: https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html ("SageMaker
Endpoint Deployment State Change", "SageMaker Endpoint State Change"; `resources` holds the endpoint ARN).
SageMaker sends no such event for inference components: their rollback alarms notify instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import ArnFormat, Stack, aws_events as events
from constructs import Construct

from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.rules.naming import endpoint_name_prefix_problems
from sagemaker_serving_cdk.topic import AlarmTopic, ServicePublisher

if TYPE_CHECKING:
    from aws_cdk.interfaces.aws_events import IRuleRef

DETAIL_TYPES = ("SageMaker Endpoint Deployment State Change", "SageMaker Endpoint State Change")


@jsii.implements(events.IRuleTarget)
class _TopicTarget:
    """The topic as a rule target, without the CDK's SnsTopic target grants: those would allow every rule of
    every account to publish; `AlarmTopic.allow_publisher` grants this one rule."""

    def __init__(self, topic: AlarmTopic, message: events.RuleTargetInput) -> None:
        self.topic, self.message = topic, message

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self.topic.topic.topic_arn, input=self.message)


class DeploymentStateEvents(Construct):
    """One EventBridge rule (id `Rule`) on the state changes of every endpoint whose name starts with
    `endpoint_name_prefix`, publishing a short message to `topic`.

    The message keeps the event type, endpoint name, endpoint status, failure reason and the variants' statuses
    (current and pending: Creating, Updating, ActivatingTraffic, Baking, ...). It does not filter on status:
    SageMaker documents examples of the statuses, not their full list, and deployments are rare enough to read.

    The topic accepts the rule's publishing (topic policy for events.amazonaws.com with `aws:SourceArn` = the
    rule ARN) and EventBridge may use the topic's key (its KMS requests carry no source, so that grant cannot
    be conditioned on one).

    :param endpoint_name_prefix: e.g. `myteam-staging-`; matched against the endpoint ARN, in which SageMaker
        lower-cases the name, so the prefix is lower-cased too.
    :param topic: the environment's alarm topic.
    """

    def __init__(self, scope: Construct, construct_id: str, *, endpoint_name_prefix: str, topic: AlarmTopic) -> None:
        super().__init__(scope, construct_id)
        problems = endpoint_name_prefix_problems(endpoint_name_prefix)
        if problems:
            raise PropsError(self, [str(p) for p in problems])
        self.endpoint_arn_prefix = Stack.of(self).format_arn(
            service="sagemaker",
            resource="endpoint",
            resource_name=endpoint_name_prefix.lower(),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"SageMaker deployment and state changes of endpoints {endpoint_name_prefix}*",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=list(DETAIL_TYPES),
                resources=events.Match.prefix(self.endpoint_arn_prefix),
            ),
        )
        self.rule.add_target(_TopicTarget(topic, events.RuleTargetInput.from_object(_message())))
        topic.allow_publisher(
            ServicePublisher("events.amazonaws.com", self.rule.rule_arn, key_request_has_source=False)
        )


def _message() -> dict[str, Any]:
    detail = "$.detail"
    return {
        "event": events.EventField.detail_type,
        "time": events.EventField.time,
        "endpoint": events.EventField.from_path(f"{detail}.EndpointName"),
        "status": events.EventField.from_path(f"{detail}.EndpointStatus"),
        "failure_reason": events.EventField.from_path(f"{detail}.FailureReason"),
        "variants": events.EventField.from_path(f"{detail}.ProductionVariants"),
        "pending_variants": events.EventField.from_path(f"{detail}.PendingDeploymentSummary.ProductionVariants"),
    }


__all__ = ["DeploymentStateEvents"]
