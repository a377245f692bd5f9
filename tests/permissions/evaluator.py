"""A small IAM policy evaluator: is one request allowed by the identity and resource policies that apply?

It follows AWS's documented evaluation logic ("Policy evaluation logic", IAM User Guide) for the cases our
templates use: an explicit Deny anywhere wins; otherwise a same-account request needs an Allow from the
identity policy or from the resource policy naming the principal; KMS keys and role trust policies must
allow the principal themselves (or delegate to the account, which then needs the identity Allow too);
service principals are allowed only by resource policies. Wildcards (`*`, `?`), NotAction, NotResource and
the condition operators below are supported; anything else raises, so an unsupported policy never evaluates
silently. No library on PyPI does this offline and is maintained (policyuniverse parses but does not
evaluate conditions; principalmapper's simulator was last released in 2022).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping, Optional, Sequence

# Operators AWS documents as matching when the key is absent from the request ("negated" operators).
_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
            "NumericNotEquals"}


class UnsupportedPolicy(ValueError):
    """The policy uses something this evaluator does not implement (it refuses to guess)."""


@dataclass(frozen=True)
class Principal:
    """Who makes the request: an IAM role (by ARN) or an AWS service principal (e.g. cloudwatch.amazonaws.com)."""

    arn: Optional[str] = None
    service: Optional[str] = None

    def __post_init__(self):
        if (self.arn is None) == (self.service is None):
            raise ValueError("a principal is a role ARN or a service, exactly one")

    @property
    def account(self) -> Optional[str]:
        return self.arn.split(":")[4] if self.arn else None

    def __str__(self) -> str:
        return self.arn or self.service


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, object] = field(default_factory=dict)
    """Condition keys of the request (aws:SourceAccount, kms:ViaService, ...). A key not here is absent."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def resource_account(arn: str) -> Optional[str]:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def evaluate(request: Request, identity: Optional[Sequence[dict]], resource_policy: Optional[Sequence[dict]],
             *, kind: str = "other") -> Decision:
    """Decide `request`.

    :param identity: statements of every identity policy of the principal (None for a service principal).
    :param resource_policy: statements of the resource's policy (key policy, bucket/topic policy, trust
        policy), or None when the resource has none we know of (e.g. another account's ECR repository).
    :param kind: `kms` (key policies are required and delegate only through the account root), `trust` (role
        trust policies, same rule), or `other` (S3, SNS, everything else).
    """
    principal = request.principal
    if principal.service and identity is not None:
        raise ValueError("a service principal has no identity policy")
    identity = identity or ()
    resource_policy_known = resource_policy is not None
    resource_policy = resource_policy or ()

    denials = [s for s in identity if s.get("Effect") == "Deny" and _applies(s, request)]
    denials += [s for s in resource_policy if s.get("Effect") == "Deny" and _principal_match(s, principal)
                and _applies(s, request)]
    if denials:
        return Decision(False, f"explicit Deny: {denials[0].get('Sid') or denials[0]}")

    identity_allows = any(s.get("Effect") == "Allow" and _applies(s, request) for s in identity)
    direct = account = False
    for statement in resource_policy:
        if statement.get("Effect") != "Allow" or not _applies(statement, request):
            continue
        match = _principal_match(statement, principal)
        direct |= match == "direct"
        account |= match == "account"

    if principal.service:
        return Decision(direct, "resource policy allows the service" if direct
                        else "no resource-policy statement allows the service principal (with these conditions)")
    if kind in {"kms", "trust"}:
        if not resource_policy_known:
            return Decision(False, f"no {kind} policy for {request.resource}")
        allowed = direct or (account and identity_allows)
        if allowed:
            return Decision(True, "the resource policy names the principal" if direct
                            else "the resource policy delegates to the account and the identity policy allows")
        return Decision(False, "the resource policy neither names the principal nor delegates to its account"
                        if not account else "the resource policy delegates to the account, but no identity policy allows")
    same_account = resource_account(request.resource) in {None, principal.account}
    if same_account:
        allowed = identity_allows or direct
        return Decision(allowed, "allowed" if allowed else "no identity-policy statement allows it")
    # Another account's resource: our side must allow; theirs is theirs (AWS's public images, a bootstrap role).
    if resource_policy_known and not (direct or account):
        return Decision(False, "the other account's resource policy does not allow the principal")
    return Decision(identity_allows, "identity policy allows (cross-account resource)" if identity_allows
                    else "no identity-policy statement allows it (cross-account resource)")


def allowing_statements(request: Request, statements: Sequence[dict], *, resource_policy: bool) -> list[dict]:
    """The Allow statements that grant `request` (for a resource policy: those naming its principal or account)."""
    return [s for s in statements if s.get("Effect") == "Allow" and _applies(s, request)
            and (not resource_policy or _principal_match(s, request.principal))]


# ------------------------------------------------------------------------------------------------ matching

def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern:
    if "${" in pattern:
        raise UnsupportedPolicy(f"policy variables are not supported: {pattern!r}")
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return bool(_pattern(str(pattern), ignore_case).match(value))


def _applies(statement: dict, request: Request) -> bool:
    return _action_match(statement, request.action) and _resource_match(statement, request.resource) \
        and conditions_hold(statement.get("Condition", {}), request.context)


def _action_match(statement: dict, action: str) -> bool:
    if "Action" in statement:
        return any(wildcard_match(p, action, ignore_case=True) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(wildcard_match(p, action, ignore_case=True) for p in _as_list(statement["NotAction"]))
    raise UnsupportedPolicy(f"statement without Action or NotAction: {statement}")


def _resource_match(statement: dict, resource: str) -> bool:
    if "Resource" in statement:
        return any(wildcard_match(p, resource) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(wildcard_match(p, resource) for p in _as_list(statement["NotResource"]))
    raise UnsupportedPolicy(f"statement without Resource or NotResource: {statement}")


def _principal_match(statement: dict, principal: Principal) -> Optional[str]:
    """`direct` when the statement names this principal (or everyone), `account` when it names the principal's
    account (which delegates to the account's identity policies), None otherwise."""
    if "NotPrincipal" in statement:
        raise UnsupportedPolicy(f"NotPrincipal is not supported: {statement}")
    value = statement.get("Principal")
    if value is None:
        raise UnsupportedPolicy(f"resource-policy statement without Principal: {statement}")
    if value == "*":
        return "direct"
    if not isinstance(value, dict):
        raise UnsupportedPolicy(f"unexpected Principal {value!r}")
    unknown = set(value) - {"AWS", "Service"}
    if unknown:
        raise UnsupportedPolicy(f"principal types {sorted(unknown)} are not supported")
    if "*" in _as_list(value.get("AWS", [])):
        return "direct"  # {"AWS": "*"} is everyone, as "*" is
    if principal.service:
        return "direct" if principal.service in _as_list(value.get("Service", [])) else None
    result = None
    for entry in _as_list(value.get("AWS", [])):
        if entry == principal.arn:
            return "direct"
        if entry in (principal.account, f"arn:aws:iam::{principal.account}:root"):
            result = "account"
    return result


def conditions_hold(conditions: Mapping[str, Mapping[str, object]], context: Mapping[str, object]) -> bool:
    """Every operator block and every key holds (AND); any of a key's values matches (OR)."""
    return all(_condition(operator, key, _as_list(values), context)
               for operator, block in conditions.items() for key, values in block.items())


def _condition(operator: str, key: str, values: list, context: Mapping[str, object]) -> bool:
    if operator.startswith(("ForAnyValue:", "ForAllValues:")):
        raise UnsupportedPolicy(f"set operators are not supported: {operator}")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base == "Null":
        absent = key not in context
        return any(str(v).lower() == str(absent).lower() for v in values)
    if key not in context:
        return if_exists or base in _NEGATED
    actual = str(context[key])
    compare = _OPERATORS.get(base.replace("Not", "", 1) if base in _NEGATED else base)
    if compare is None:
        raise UnsupportedPolicy(f"condition operator {operator} is not supported")
    matched = any(compare(str(v), actual) for v in values)
    return not matched if base in _NEGATED else matched


def _numeric(test):
    return lambda expected, actual: test(float(actual), float(expected))


_OPERATORS = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringEqualsIgnoreCase": lambda expected, actual: expected.lower() == actual.lower(),
    "StringLike": lambda expected, actual: wildcard_match(expected, actual),
    # ArnEquals and ArnLike both match wildcards in each ARN component; case-sensitive.
    "ArnEquals": lambda expected, actual: wildcard_match(expected, actual),
    "ArnLike": lambda expected, actual: wildcard_match(expected, actual),
    "Bool": lambda expected, actual: expected.lower() == actual.lower(),
    "NumericEquals": _numeric(lambda a, e: a == e),
    "NumericLessThan": _numeric(lambda a, e: a < e),
    "NumericLessThanEquals": _numeric(lambda a, e: a <= e),
    "NumericGreaterThan": _numeric(lambda a, e: a > e),
    "NumericGreaterThanEquals": _numeric(lambda a, e: a >= e),
}


def statements_of(documents: Iterable[dict]) -> list[dict]:
    """The statements of policy documents (a single statement may be written as an object)."""
    return [statement for document in documents for statement in _as_list(document.get("Statement", []))]
