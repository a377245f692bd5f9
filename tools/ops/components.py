"""Reading and setting an endpoint's inference components, shared by status, invoke, traffic and the smoke test.

The local emulator (moto 5.2.5) has no model of inference components: these calls are proven against botocore's
Stubber (tests/unit/test_ops_components.py), which checks every request and response against the API model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import botocore.exceptions

from tools.ops.aws import OpsError
from tools.ops.tables import render


@dataclass(frozen=True)
class Component:
    name: str
    status: str
    current_copies: Optional[int]
    desired_copies: Optional[int]
    failure: Optional[str]


def hosts_components(endpoint_config: dict) -> bool:
    """An endpoint config whose instance variant names no model hosts inference components (its models are theirs)."""
    variants = endpoint_config.get("ProductionVariants", [])
    return bool(variants) and all("ModelName" not in v and "ServerlessConfig" not in v for v in variants)


def components_table(sagemaker, endpoint: str) -> str:
    """The endpoint's components with their status, running and desired copies and failure reason."""
    components = list_components(sagemaker, endpoint)
    if not components:
        return "components: none (a component host without components serves nothing)"
    return render(("component", "status", "copies", "desired", "failure"),
                  [(c.name, c.status, c.current_copies, c.desired_copies, c.failure) for c in components])


def describe_component(sagemaker, name: str) -> Component:
    try:
        description = sagemaker.describe_inference_component(InferenceComponentName=name)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ValidationException":
            raise OpsError(f"inference component {name!r} not found ({error.response['Error']['Message']}); "
                           "`python -m tools.ops status ENDPOINT` lists an endpoint's components; for a name from "
                           "config (e.g. candidate) add --stage STAGE") from error
        raise
    runtime = description.get("RuntimeConfig", {})
    return Component(name=description["InferenceComponentName"], status=description["InferenceComponentStatus"],
                     current_copies=runtime.get("CurrentCopyCount"), desired_copies=runtime.get("DesiredCopyCount"),
                     failure=description.get("FailureReason"))


def list_components(sagemaker, endpoint: str) -> list[Component]:
    names = sorted(summary["InferenceComponentName"]
                   for page in sagemaker.get_paginator("list_inference_components").paginate(EndpointNameEquals=endpoint)
                   for summary in page["InferenceComponents"])
    return [describe_component(sagemaker, name) for name in names]


def set_copies(sagemaker, name: str, copies: int) -> None:
    sagemaker.update_inference_component_runtime_config(InferenceComponentName=name,
                                                        DesiredRuntimeConfig={"CopyCount": copies})


def copy_count_bounds(autoscaling, name: str) -> Optional[tuple[int, int]]:
    """(min, max) of the component's registered copy-count scalable target, or None when none is registered."""
    targets = autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[f"inference-component/{name}"],
        ScalableDimension="sagemaker:inference-component:DesiredCopyCount")["ScalableTargets"]
    return (targets[0]["MinCapacity"], targets[0]["MaxCapacity"]) if targets else None


def wait_for_copies(sagemaker, name: str, copies: int, *, exact: bool, timeout: float, poll: float = 15.0,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> Component:
    """Poll until the component is InService with `copies` copies running (at least that many unless `exact`),
    bounded by `timeout` seconds."""
    deadline = clock() + timeout
    while True:
        component = describe_component(sagemaker, name)
        if component.status == "Failed":
            raise OpsError(f"inference component {name} failed: {component.failure or 'no reason given'}")
        running = component.current_copies or 0
        if component.status == "InService" and (running == copies if exact else running >= copies):
            return component
        if clock() >= deadline:
            raise OpsError(f"inference component {name} still {component.status} with {component.current_copies} "
                           f"copies (desired {component.desired_copies}) after {timeout:g} s")
        sleep(poll)
