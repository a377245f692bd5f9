"""The people and tools an environment's alarm topics notify, from config."""

from __future__ import annotations

import hashlib

from aws_cdk import aws_sns as sns
from constructs import Construct

from config.monitoring import Subscriptions


class AlarmSubscriptions(Construct):
    """Subscribes every e-mail address and HTTPS URL of `settings` to `topic` (one AWS::SNS::Subscription each).

    Both kinds stay pending until the recipient confirms the message SNS sends them. Subscriptions live in
    the topic's stack; the topic's encryption does not concern them (SNS decrypts before delivery).

    :param topic: the topic to subscribe to.
    :param settings: addresses and URLs (validated in config.monitoring).
    """

    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic, settings: Subscriptions) -> None:
        super().__init__(scope, construct_id)
        self.subscriptions: list[sns.Subscription] = []
        for address in settings.emails:
            self._add("Email", topic, sns.SubscriptionProtocol.EMAIL, address)
        for url in settings.https_urls:
            self._add("Https", topic, sns.SubscriptionProtocol.HTTPS, url)

    def _add(self, kind: str, topic: sns.ITopic, protocol: sns.SubscriptionProtocol, endpoint: str) -> None:
        # The id follows the address, not its position: adding or removing another recipient must not
        # replace this subscription (its owner would have to confirm again).
        digest = hashlib.sha256(endpoint.lower().encode()).hexdigest()[:10]
        self.subscriptions.append(
            sns.Subscription(self, f"{kind}{digest}", topic=topic, protocol=protocol, endpoint=endpoint)
        )
