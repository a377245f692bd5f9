"""No broad grant in our identity policies unless it is acknowledged with a reason (acknowledged.py)."""

from __future__ import annotations

from tests.permissions.acknowledged import acknowledged
from tests.permissions.breadth import broad_grants


def test_every_broad_grant_is_acknowledged(world, pipeline_settings):
    accepted = acknowledged(pipeline_settings.account, pipeline_settings.region)
    unacknowledged = [g for g in broad_grants(world) if not any(a.covers(g) for a in accepted)]
    assert not unacknowledged, "broad grants without a reason:\n  " + "\n  ".join(
        f"{g.stack} {g.role}: {g.action} on {g.resource}" for g in unacknowledged)


def test_every_acknowledgment_is_still_needed(world, pipeline_settings):
    grants = broad_grants(world)
    stale = [a for a in acknowledged(pipeline_settings.account, pipeline_settings.region)
             if not any(a.covers(g) for g in grants)]
    assert not stale, f"acknowledgments that match no grant any more (remove them): {stale}"


def test_fails_on_a_broad_grant_nobody_acknowledged(world, pipeline_settings):
    role = next(arn for arn, r in world.roles.items() if r.stack.endswith("/Serving"))
    broadened = world.without_statements([])  # a copy
    broadened.roles[role].statements.append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    accepted = acknowledged(pipeline_settings.account, pipeline_settings.region)
    flagged = [g for g in broad_grants(broadened) if not any(a.covers(g) for a in accepted)]
    assert {(g.action, g.resource) for g in flagged} >= {("s3:*", "*")}
