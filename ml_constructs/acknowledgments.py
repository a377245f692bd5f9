"""Acknowledging compliance findings (cdk-nag 3.x) on the narrowest construct, always with a reason."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """`reasons` maps a rule id (e.g. `AwsSolutions-IAM5[Action::s3:List*]`) to why it is accepted here."""
    for rule_id, reason in reasons.items():
        Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
