"""Reading an endpoint's state, shared by the commands."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import botocore.exceptions

from tools.ops.aws import OpsError


@dataclass(frozen=True)
class Variant:
    name: str
    current_weight: Optional[float]
    desired_weight: Optional[float]
    current_instances: Optional[int]
    desired_instances: Optional[int]
    serverless: Optional[dict]
    statuses: tuple[str, ...] = ()
    """VariantStatus: what SageMaker is doing to the variant (Creating, Updating, ActivatingTraffic, Baking, ...)."""


def describe(sagemaker, endpoint: str) -> dict:
    try:
        return sagemaker.describe_endpoint(EndpointName=endpoint)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ValidationException":
            raise OpsError(f"endpoint {endpoint!r} not found ({error.response['Error']['Message']}); "
                           f"`python -m tools.ops status` lists the endpoints; for a name from config "
                           f"(e.g. realtime) add --stage STAGE") from error
        raise


def variants(description: dict, *, pending: bool = False) -> list[Variant]:
    """The variants serving now, or (pending) those of the deployment in progress (PendingDeploymentSummary)."""
    source = description.get("PendingDeploymentSummary", {}) if pending else description
    return [
        Variant(
            name=v["VariantName"],
            current_weight=v.get("CurrentWeight"),
            desired_weight=v.get("DesiredWeight"),
            current_instances=v.get("CurrentInstanceCount"),
            desired_instances=v.get("DesiredInstanceCount"),
            serverless=v.get("CurrentServerlessConfig"),
            statuses=tuple(_status(s) for s in v.get("VariantStatus", [])),
        )
        for v in source.get("ProductionVariants", [])
    ]


def _status(status: dict) -> str:
    started = status.get("StartTime")
    text = status["Status"] + (f" since {started:%H:%M:%S}" if started else "")
    return text + (f" ({status['StatusMessage']})" if status.get("StatusMessage") else "")


def endpoint_config(sagemaker, description: dict) -> dict:
    return sagemaker.describe_endpoint_config(EndpointConfigName=description["EndpointConfigName"])


def wait_in_service(sagemaker, endpoint: str, *, timeout: float, poll: float = 15.0,
                    sleep: Callable[[float], None] = time.sleep) -> dict:
    """Poll until the endpoint is InService (bounded by `timeout` seconds); fail on Failed/OutOfService."""
    deadline = time.monotonic() + timeout
    while True:
        description = describe(sagemaker, endpoint)
        status = description["EndpointStatus"]
        if status == "InService":
            return description
        if status in {"Failed", "OutOfService", "Deleting"}:
            raise OpsError(f"endpoint {endpoint} is {status}: {description.get('FailureReason', 'no reason given')}")
        if time.monotonic() >= deadline:
            raise OpsError(f"endpoint {endpoint} still {status} after {timeout:g} s")
        sleep(poll)
