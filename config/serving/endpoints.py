"""One endpoint: its variants and optional features (async, data capture, guardrails, alarms)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from config.base import Section, by_rule, raise_problems, renamed
from config.serving.models import SmokeRequest
from config.serving.components import ComponentHostSettings, ComponentSettings, placement_problems
from config.serving.names import DeploymentTimeoutSeconds, LocalName, S3Prefix, WaitSeconds
from config.serving.rolling import InstanceRollingUpdate
from config.serving.variants import InstanceVariantSettings, ServerlessVariantSettings
from sagemaker_serving_cdk.rules.component_host import component_host_mix_problems
from sagemaker_serving_cdk.rules.alarm_windows import alarm_window_problems
from sagemaker_serving_cdk.rules.deployment import traffic_routing_problems
from sagemaker_serving_cdk.rules.endpoint_options import async_concurrency_problems, data_capture_problems
from sagemaker_serving_cdk.rules.variants import endpoint_variant_problems
from sagemaker_serving_cdk.rules.s3_layout import ASYNC_PREFIX
from sagemaker_serving_cdk.rules.scaling import instance_scaling_problems


class AsyncInferenceSettings(Section):
    """Asynchronous inference: requests queue, results land in the output bucket, SNS says when."""

    output_prefix: Optional[S3Prefix] = None
    """Where results go in the output bucket. Default: async/<endpoint>/output/."""
    failure_prefix: Optional[S3Prefix] = None
    """Where failures go in the output bucket. Default: async/<endpoint>/failures/."""
    notifications: bool = True
    """True: KMS-encrypted SNS success and error topics."""
    max_concurrent_invocations_per_instance: Optional[
        Annotated[int, by_rule(lambda n: async_concurrency_problems(n, field=""))]] = None
    """Default: SageMaker chooses."""


@dataclass(frozen=True)
class AsyncPaths:
    """An async endpoint's S3 key prefixes: requests (input bucket), results and failures (output bucket)."""

    input_prefix: str
    output_prefix: str
    failure_prefix: str


def async_paths(endpoint: str, settings: AsyncInferenceSettings) -> AsyncPaths:
    """The one place these prefixes are decided: the endpoint config, the smoke test and its role use them."""
    base = f"{ASYNC_PREFIX}{endpoint}/"
    return AsyncPaths(input_prefix=f"{base}input/", output_prefix=settings.output_prefix or f"{base}output/",
                      failure_prefix=settings.failure_prefix or f"{base}failures/")


class DataCaptureSettings(Section):
    """Capture requests and/or responses to the output bucket (for Model Monitor and debugging)."""

    sampling_percentage: Annotated[int, by_rule(lambda p: data_capture_problems(sampling_percentage=p, field=""))] = 100
    capture_input: bool = True
    capture_output: bool = True
    csv_content_types: tuple[str, ...] = ("text/csv",)
    json_content_types: tuple[str, ...] = ("application/json",)
    prefix: Optional[S3Prefix] = None
    """Where captures go in the output bucket. Default: data-capture/<endpoint>/."""

    @model_validator(mode="after")
    def _captures_something(self) -> "DataCaptureSettings":
        raise_problems(data_capture_problems(capture_input=self.capture_input, capture_output=self.capture_output,
                                             field=""))
        return self


_BLUE_GREEN_FIELDS = ("traffic_routing", "size_type", "size_value", "wait_interval_seconds", "termination_wait_seconds",
                      "maximum_execution_timeout_seconds")


class DeploymentSettings(Section):
    """Deployment guardrails: a blue/green update that shifts traffic step by step, or (with `rolling`) a rolling
    update that replaces instances batch by batch; either rolls back on the endpoint's alarms."""

    traffic_routing: str = "ALL_AT_ONCE"
    """ALL_AT_ONCE, CANARY or LINEAR (rules.deployment)."""
    size_type: str = "CAPACITY_PERCENT"
    """CAPACITY_PERCENT or INSTANCE_COUNT."""
    size_value: Optional[int] = None
    """Canary size or linear step size. Required for CANARY and LINEAR, not allowed for ALL_AT_ONCE."""
    wait_interval_seconds: WaitSeconds = 300
    """Baking time between traffic shifts."""
    termination_wait_seconds: WaitSeconds = 0
    """How long the old fleet stays after the shift completes (a fast way back)."""
    maximum_execution_timeout_seconds: Optional[DeploymentTimeoutSeconds] = None
    """Default: SageMaker's."""
    auto_rollback: bool = True
    """True: the endpoint's 5XX and latency alarms roll the update back."""
    rolling: Optional[InstanceRollingUpdate] = None
    """A rolling update instead of blue/green: no second full fleet (GPU instances), one endpoint variant only.
    Default: blue/green as above."""

    @property
    def strategy(self) -> Literal["blue_green", "rolling"]:
        return "rolling" if self.rolling is not None else "blue_green"

    @model_validator(mode="after")
    def _one_strategy(self) -> "DeploymentSettings":
        mixed = [name for name in _BLUE_GREEN_FIELDS if name in self.model_fields_set]
        if self.rolling is not None and mixed:
            raise ValueError(f"a rolling deployment takes no blue/green settings; drop {', '.join(mixed)} (its batch, "
                             "wait and timeout go under rolling)")
        return self

    @model_validator(mode="after")
    def _size_matches_routing(self) -> "DeploymentSettings":
        raise_problems(renamed(traffic_routing_problems(
            self.traffic_routing, self.size_type, self.size_value, field="traffic_routing", size_field="size",
            value_field="size_value"), {"size.type": "size_type"}))
        return self


class EndpointAlarmSettings(Section):
    """The endpoint's 5XX and latency alarms (also the deployment rollback alarms)."""

    errors_5xx_per_minute: Annotated[int, Field(ge=1)] = 5
    latency_p99_ms: Annotated[float, Field(gt=0)] = 1000
    evaluation_periods: Annotated[int, Field(ge=1, le=60)] = 5
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=60)] = 3

    @model_validator(mode="after")
    def _datapoints_within_periods(self) -> "EndpointAlarmSettings":
        raise_problems(alarm_window_problems(self.datapoints_to_alarm, self.evaluation_periods, period_seconds=60))
        return self


class EndpointSettings(Section):
    """One endpoint: instance variants (up to 10), one serverless variant, or a component host with its inference
    components, plus its optional features."""

    variants: tuple[InstanceVariantSettings, ...] = ()
    component_host: Optional[ComponentHostSettings] = None
    """Instances shared by `components` (each a model with its own compute and copies) instead of variants."""
    components: dict[LocalName, ComponentSettings] = Field(default_factory=dict)
    """The component host's inference components by name; the name is part of the deployed, stable component name
    (rules.naming.inference_component_name). Adding or removing one leaves the others as they are."""
    serverless: Optional[ServerlessVariantSettings] = None
    shadow_variant: Optional[InstanceVariantSettings] = None
    """Receives a copy of the traffic; its responses are logged, not returned. Default: none."""
    async_inference: Optional[AsyncInferenceSettings] = None
    data_capture: Optional[DataCaptureSettings] = None
    deployment: Optional[DeploymentSettings] = None
    """Default: SageMaker's plain blue/green update, with no baking or rollback alarms."""
    alarms: EndpointAlarmSettings = Field(default_factory=EndpointAlarmSettings)
    smoke_request: Optional[SmokeRequest] = None
    """What the smoke test sends to this endpoint. Default: the smoke_request of the model it serves
    (its first variant's)."""

    @model_validator(mode="after")
    def _shape(self) -> "EndpointSettings":
        if self.component_host is not None or self.components:
            problems = self._component_host_shape_problems()
            if problems:
                raise ValueError("; ".join(problems))
            return self
        problems = [] if self.serverless is not None or self.variants else [
            "set variants (1-10 instance variants), serverless or component_host"]
        problems += [str(p) for p in renamed(endpoint_variant_problems(
            variant_names=[v.name for v in self.variants],
            shadow_variant_names=[self.shadow_variant.name] if self.shadow_variant else [],
            serverless_name=self.serverless.name if self.serverless else None,
            async_inference=self.async_inference is not None), {"shadow_variants": "shadow_variant"})]
        problems.extend(self._scaling_problems())
        problems.extend(self._rolling_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _rolling_problems(self) -> list[str]:
        # The update itself is checked by its section; here what it updates (rules.deployment: one variant, not
        # serverless).
        if self.deployment is None or self.deployment.rolling is None:
            return []
        problems = self.deployment.rolling.problems(serverless=self.serverless is not None,
                                                    variant_names=[v.name for v in self.all_instance_variants])
        return [str(p) for p in renamed(problems, {"": "deployment.rolling"})]

    def _component_host_shape_problems(self) -> list[str]:
        if self.component_host is None:
            return ["components need a component_host (the instances they share)"]
        problems = []
        if not self.components:
            problems.append("a component_host needs at least one entry in components")
        problems += [str(p) for p in renamed(component_host_mix_problems(
            other_variants=[v.name for v in self.variants], serverless=self.serverless is not None,
            async_inference=self.async_inference is not None,
            shadow_variants=[self.shadow_variant.name] if self.shadow_variant else []), {"shadow_variants": "shadow_variant"})]
        if self.smoke_request is not None:
            problems.append("an endpoint with a component_host takes no smoke_request: each component has its own (or "
                            "its model's)")
        if self.deployment is not None and self.deployment.rolling is None:
            problems.append("a component host updates by deployment.rolling (one variant, no second fleet); "
                            "blue/green traffic_routing applies to variant endpoints")
        problems += [str(p) for p in placement_problems(self.component_host, self.components)]
        return problems

    def _scaling_problems(self) -> list[str]:
        problems = []
        is_async = self.async_inference is not None
        for variant in self.all_instance_variants:
            scaling = variant.autoscaling
            if scaling is None:
                continue
            problems.extend(f"variant {variant.name!r}: {problem}" for problem in instance_scaling_problems(
                instance_type=variant.instance_type, initial_count=variant.initial_instance_count,
                min_capacity=scaling.min_capacity, max_capacity=scaling.max_capacity, is_async=is_async,
                uses_invocation_target=scaling.uses_invocation_target,
                backlog_target=scaling.backlog_target_per_instance))
        if self.shadow_variant is not None and self.shadow_variant.autoscaling is not None:
            problems.append("the shadow variant cannot autoscale here; size it with initial_instance_count")
        return problems

    @property
    def all_instance_variants(self) -> tuple[InstanceVariantSettings, ...]:
        return self.variants + ((self.shadow_variant,) if self.shadow_variant else ())

    @property
    def model_names(self) -> tuple[str, ...]:
        if self.component_host is not None:
            return tuple(c.model for c in self.components.values())
        if self.serverless is not None:
            return (self.serverless.model,)
        return tuple(v.model for v in self.all_instance_variants)
