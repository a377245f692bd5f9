"""One resolved view of the synthesized app (the session's `synthesized` fixture) for every permission test."""

from __future__ import annotations

import pytest
from aws_cdk import Stack

from tests.conftest import load_template
from tests.permissions.world import StackTemplate, World


def stack_template(synthesized, stack: Stack, label: str) -> StackTemplate:
    return StackTemplate(name=stack.stack_name, account=stack.account, region=stack.region,
                         template=load_template(synthesized.outdir, stack), label=label)


@pytest.fixture(scope="session")
def world(synthesized) -> World:
    """Every stage's stacks (as deployed from a workstation; the pipeline deploys these same templates),
    the Pipeline stack and its cross-region support stacks."""
    stacks = [stack_template(synthesized, stack, f"{stage_id}/{stack.node.id}")
              for stage_id, stage in synthesized.stages.items()
              for stack in stage.node.children if isinstance(stack, Stack)]
    stacks += [stack_template(synthesized, stack, stack.node.id) for stack in synthesized.top_level_stacks()]
    return World(stacks)
