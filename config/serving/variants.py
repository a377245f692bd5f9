"""Production variants: on instances, or the one variant of a serverless endpoint."""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import Field, model_validator

from config.base import Section, by_rule, raise_problems
from config.serving.names import (
    LocalName, RealTimeInstanceType, StartupTimeoutSeconds, VariantName,
)
from config.serving.scaling import AutoscalingSettings
from config.serving.variant_options import VariantOptions
from sagemaker_serving_cdk.rules.endpoint_options import volume_size_problems
from sagemaker_serving_cdk.rules.instances import volume_key_problems
from sagemaker_serving_cdk.rules.variants import serverless_capacity_problems, serverless_problems

MemorySizeMb = Annotated[int, by_rule(lambda mb: serverless_capacity_problems(memory_size_mb=mb, field=""))]
Concurrency = Annotated[int, by_rule(lambda n: serverless_capacity_problems(max_concurrency=n, field=""))]


class InstanceVariantSettings(VariantOptions):
    """A production (or shadow) variant on dedicated instances."""

    name: VariantName
    model: LocalName
    """A key of the serving config's `models`."""
    instance_type: RealTimeInstanceType = "ml.m5.large"
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = 1
    weight: Annotated[float, Field(gt=0)] = 1.0
    """Relative share of traffic among the endpoint's variants."""
    volume_size_gb: Optional[Annotated[int, by_rule(lambda gb: volume_size_problems(gb, field=""))]] = None
    """ML storage volume size. Default: SageMaker's default for the instance type."""
    container_startup_health_check_timeout_seconds: Optional[StartupTimeoutSeconds] = None
    model_data_download_timeout_seconds: Optional[StartupTimeoutSeconds] = None
    autoscaling: Optional[AutoscalingSettings] = None
    """Default: no autoscaling; the variant keeps initial_instance_count."""

    @model_validator(mode="after")
    def _volume_only_on_ebs(self) -> "InstanceVariantSettings":
        if self.volume_size_gb is not None:
            raise_problems(volume_key_problems(self.instance_type, field="volume_size_gb", value=self.volume_size_gb,
                                               fix="no volume_size_gb, or an EBS-backed type (e.g. ml.m5.xlarge)"),
                           prefix=f"variant {self.name!r}: ")
        return self


class ServerlessVariantSettings(Section):
    """The single variant of a serverless endpoint: no instances, billed per request, scales to zero."""

    name: VariantName = "AllTraffic"
    model: LocalName
    autoscaling: Optional[dict[str, Any]] = None
    """Not supported: accepted only to say why (serverless endpoints scale by max_concurrency)."""
    memory_size_mb: MemorySizeMb = 2048
    """1024 to 6144, in steps of 1024."""
    max_concurrency: Concurrency = 5
    provisioned_concurrency: Optional[Concurrency] = None
    """Warm capacity that avoids cold starts (billed while provisioned). Default: none."""

    @model_validator(mode="after")
    def _provisioned_within_max(self) -> "ServerlessVariantSettings":
        problems = [f"variant {self.name!r}: {p}" for p in serverless_problems(autoscaling=self.autoscaling is not None)]
        problems += [str(p) for p in serverless_capacity_problems(
            max_concurrency=self.max_concurrency, provisioned_concurrency=self.provisioned_concurrency, field="")]
        if problems:
            raise ValueError("; ".join(problems))
        return self
