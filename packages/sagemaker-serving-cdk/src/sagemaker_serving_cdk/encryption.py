"""The environment's customer-managed KMS key."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, aws_kms as kms
from constructs import Construct


class EncryptionKey(Construct):
    """A rotating KMS key with an alias: for the environment's data, or for a topic's notifications.

    :param alias: alias name without the `alias/` prefix, e.g. `mlinf-dev-data`.
    :param removal_policy: RETAIN keeps the key (and the data it protects readable); DESTROY schedules
        deletion after `pending_window` when the stack is deleted.
    :param pending_window: waiting period before a destroyed key is deleted. Default: 30 days (the maximum).
    :param description: the key's description. Default: says it encrypts inference data, naming the alias.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: str,
        removal_policy: RemovalPolicy,
        pending_window: Duration = Duration.days(30),
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Resource",
            description=description or f"Encrypts SageMaker inference data ({alias})",
            enable_key_rotation=True,
            alias=f"alias/{alias}",
            removal_policy=removal_policy,
            pending_window=pending_window,
        )
