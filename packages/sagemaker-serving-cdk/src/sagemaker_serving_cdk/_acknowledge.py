"""Acknowledging compliance findings (cdk-nag 3.x) on the narrowest construct, always with a reason."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """`reasons` maps a rule id (e.g. `AwsSolutions-IAM5[Action::s3:List*]`) to why it is accepted here."""
    for rule_id, reason in reasons.items():
        Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def nag_reference(scope: IConstruct, value: Any) -> str:
    """The flat form cdk-nag gives a (possibly tokenized) value in granular finding ids, e.g. the
    `<Bucket.Arn>/*` in `AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]` (mirrors cdk-nag's flattenCfnReference).

    Only stable for values whose references are already explicit at construction time (GetAtt and Ref in the
    same stack, Fn::ImportValue of a named export); automatic cross-stack references are rewritten at synth.
    """
    return _flatten(Stack.of(scope).resolve(value))


def _flatten(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
