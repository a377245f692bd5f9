"""The README's example app runs as written and synthesizes a guarded, autoscaled endpoint."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk.assertions import Template

README = Path(__file__).resolve().parents[1] / "README.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1, "the README has one Python example"
    return blocks[0]


def test_the_example_is_at_most_twenty_five_lines():
    assert len(example().strip().splitlines()) <= 25


def test_the_example_synthesizes_a_guarded_autoscaled_endpoint():
    namespace: dict = {}
    exec(compile(example(), str(README), "exec"), namespace)  # noqa: S102 - our own README, run as a user would
    template = Template.from_stack(namespace["stack"])
    endpoint = next(iter(template.find_resources("AWS::SageMaker::Endpoint").values()))["Properties"]
    routing = endpoint["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY"
    assert len(endpoint["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]) == 2
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)
