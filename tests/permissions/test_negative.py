"""The permission rows can fail: without the statements that grant a row, the row fails; and the states this
issue found (a topic policy with no CloudWatch grant, the CDK's codestar-connections action) fail it too."""

from __future__ import annotations

import pytest

from tests.permissions.check import actions_of, failures, grants
from tests.permissions.requirements import REQUIREMENTS
from tests.permissions.targets import alarm_topics, connection_use
from tests.permissions.test_runtime_permissions import CASES

ROWS = {row.id: row for row in REQUIREMENTS}


@pytest.mark.parametrize("row, stage", [c for c in CASES if c.values[0].allowed])
def test_fails_without_the_statements_that_grant_it(world, row, stage):
    targets = row.targets(world, stage)
    if not targets:
        pytest.skip(f"{stage} has no {row.path}")
    target = targets[0]
    action = actions_of(row, target)[0]
    granting = grants(world, target, action)
    if not granting:
        pytest.skip(f"{row.id} does not pass in {stage} today (see test_runtime_permissions)")
    assert failures(world.without_statements(granting), row, [target]), (row.id, granting)


@pytest.mark.parametrize("stage", ["Dev"])
def test_fails_with_a_topic_policy_that_only_denies_plain_http(world, stage):
    """The state before this fix: the topic policy replaced SNS's default and held only the TLS deny."""
    row = ROWS["alarm-publish"]
    targets = alarm_topics(world, stage)
    topic = targets[0].resource
    kind, statements = world.resource_policies[topic]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows and failures(world.without_statements(allows), row, targets)


def test_fails_with_the_cdk_default_codestar_connections_action(world):
    """CDK Pipelines grants codestar-connections:UseConnection, which a codeconnections ARN does not accept."""
    row = ROWS["source-connection"]
    (target,) = connection_use(world, "Pipeline")
    granting = grants(world, target, actions_of(row, target)[0])
    assert granting
    broken = world.without_statements(granting)
    role = broken.roles[target.principal.arn]
    role.statements.append({**granting[0], "Action": "codestar-connections:UseConnection"})
    assert target.resource.startswith("arn:aws:codeconnections:")
    assert failures(broken, row, [target])
