"""The README's example app runs as written and synthesizes a guarded, autoscaled endpoint."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk.assertions import Template

README = Path(__file__).resolve().parents[1] / "README.md"


def example(index: int = 0) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 2, "the README has two Python examples: guarded endpoint, inference components"
    return blocks[index]


def run(source: str) -> Template:
    namespace: dict = {}
    exec(compile(source, str(README), "exec"), namespace)  # noqa: S102 - our own README, run as a user would
    return Template.from_stack(namespace["stack"])


def test_the_example_is_at_most_twenty_five_lines():
    assert len(example().strip().splitlines()) <= 25


def test_the_example_synthesizes_a_guarded_autoscaled_endpoint():
    template = run(example())
    endpoint = next(iter(template.find_resources("AWS::SageMaker::Endpoint").values()))["Properties"]
    routing = endpoint["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY"
    assert len(endpoint["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]) == 2
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)


def test_the_components_example_synthesizes_two_components_one_scaling_to_zero():
    template = run(example(1))
    template.resource_count_is("AWS::SageMaker::InferenceComponent", 2)
    (target,) = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert target["Properties"]["ResourceId"] == "inference-component/shared-fraud"
    assert target["Properties"]["MinCapacity"] == 0
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)  # tracking + wake-up step
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    (variant,) = config["Properties"]["ProductionVariants"]
    assert variant["ManagedInstanceScaling"]["MinInstanceCount"] == 0 and "ModelName" not in variant
