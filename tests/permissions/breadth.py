"""Over-broad identity grants: a whole service's actions, every resource, or every resource of a type."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.permissions.world import World

# `arn:aws:sagemaker:us-east-1:111111111111:endpoint/*`: every resource of one type in the account.
# (S3 is left out: `bucket/*` is one bucket's objects.)
_WHOLE_TYPE = re.compile(r"^arn:[^:]+:(?!s3:)[^:]+:[^:]*:[^:]*:[A-Za-z-]+[/:]\*$")


@dataclass(frozen=True)
class Grant:
    stack: str
    """e.g. `Staging/SmokeTestAccess`, `Pipeline`."""
    role: str
    action: str
    resource: str


def broad_grants(world: World) -> list[Grant]:
    found = set()
    for role in world.roles.values():
        name = role.arn.rsplit("/", 1)[-1]
        for statement in role.statements:
            if statement.get("Effect") != "Allow":
                continue
            actions = _as_list(statement.get("Action", statement.get("NotAction")))
            resources = _as_list(statement.get("Resource", statement.get("NotResource")))
            broad_action = "NotAction" in statement or any(a == "*" or a.endswith(":*") for a in actions)
            for resource in resources:
                broad_resource = "NotResource" in statement or resource == "*" or bool(_WHOLE_TYPE.match(resource))
                if broad_action or broad_resource:
                    found.update(Grant(role.stack, name, a, resource) for a in actions)
    return sorted(found, key=lambda g: (g.stack, g.role, g.action, g.resource))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
