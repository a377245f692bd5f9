"""Evaluate one row's targets against the world's identity and resource policies."""

from __future__ import annotations

from tests.permissions.evaluator import Decision, Request, allowing_statements, evaluate
from tests.permissions.requirements import Requirement
from tests.permissions.targets import Target
from tests.permissions.world import World


def request_context(target: Target, action: str) -> dict:
    """What every request of ours carries (TLS 1.2+ to every endpoint), the principal's keys, the target's own."""
    context: dict = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
    if target.principal.arn:
        context.update({"aws:PrincipalArn": target.principal.arn, "aws:PrincipalAccount": target.principal.account})
        if action.startswith("kms:"):
            context["kms:CallerAccount"] = target.principal.account
    else:
        context["aws:PrincipalServiceName"] = target.principal.service
    return {**context, **target.context}


def decide(world: World, target: Target, action: str) -> Decision:
    kind, resource_policy, identity, request = _inputs(world, target, action)
    if isinstance(kind, Decision):
        return kind
    return evaluate(request, identity, resource_policy, kind=kind)


def grants(world: World, target: Target, action: str) -> list[dict]:
    """Every statement (identity or resource policy) that allows this request."""
    kind, resource_policy, identity, request = _inputs(world, target, action)
    if isinstance(kind, Decision):
        return []
    return (allowing_statements(request, identity or [], resource_policy=False)
            + allowing_statements(request, resource_policy or [], resource_policy=True))


def _inputs(world: World, target: Target, action: str):
    kind, resource_policy = world.resource_policy_for(target.resource)
    identity = None
    if target.identity is not None:
        identity = list(target.identity)
    elif target.principal.arn:
        role = world.roles.get(target.principal.arn)
        if role is None:
            return Decision(False, f"role {target.principal.arn} is not in any template"), None, None, None
        if role.unknown_managed_policies:
            raise ValueError(f"{role.arn} has AWS-managed policies this model cannot read: {role.unknown_managed_policies}")
        identity = role.statements
    request = Request(target.principal, action, target.resource, request_context(target, action))
    return kind, resource_policy, identity, request


def actions_of(row: Requirement, target: Target) -> tuple[str, ...]:
    if row.id == "source-connection":
        # AWS: the action's service prefix must be the connection ARN's (codeconnections or codestar-connections).
        return tuple(a.format(connection=target.resource.split(":")[2]) for a in row.actions)
    return row.actions


def failures(world: World, row: Requirement, targets: list[Target]) -> list[str]:
    """One line per (target, action) whose decision differs from what the row requires."""
    problems = []
    for target in targets:
        for action in actions_of(row, target):
            decision = decide(world, target, action)
            if decision.allowed != row.allowed:
                verb = "is denied" if row.allowed else "is allowed"
                problems.append(f"{target.principal} {verb} {action} on {target.resource} ({target.what}): {decision.reason}")
    return problems
