"""Settings of the Serving stack: the models, and the endpoints that serve them.

The same sections are the typed props of the serving constructs (ml_constructs/model.py, endpoint_config.py,
endpoint.py, autoscaling.py), so a rule is checked once, whether a value comes from config or from code.
Cross-field rules live in model validators whose messages show the values involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field, StringConstraints, field_validator, model_validator

from config.base import Section, TimeZoneName, field_problem, raise_problems
from inference_code.framework import SKLEARN_FRAMEWORK_VERSION
from paths import PROJECT_ROOT
from sagemaker_serving_cdk.rules.handler import DEFAULT_ENTRY_POINT, handler_problems
from sagemaker_serving_cdk.rules.images import ecr_reference_problems
from sagemaker_serving_cdk.rules.instances import instance_type_problems, volume_key_problems
from sagemaker_serving_cdk.rules.s3_layout import ASYNC_PREFIX
from sagemaker_serving_cdk.rules.scaling import (capacity_bounds_problems, instance_scaling_problems,
                                                  scheduled_scaling_problems)
from sagemaker_serving_cdk.rules.variants import serverless_problems

MAX_PRODUCTION_VARIANTS = 10
SERVERLESS_MEMORY_SIZES_MB = (1024, 2048, 3072, 4096, 5120, 6144)

# SageMaker name rules (variant names) and our own for the keys of `models` and `endpoints`.
VariantName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")]
LocalName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
S3Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.*'()/-]+$", min_length=1, max_length=1024)]
S3Prefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.*'()/-]*/$", max_length=512)]
RelativePath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$")]
Seconds3600 = Annotated[int, Field(ge=0, le=3600)]
# A MIME type with optional parameters, as the handler reads Content-Type/Accept (`text/csv; header=present`).
MimeType = Annotated[str, StringConstraints(
    pattern=r"^[a-z]+/[a-z0-9.+-]+(\s*;\s*[a-z0-9-]+=[A-Za-z0-9.-]+)*$", max_length=256)]
# Real-time endpoints accept up to 6 MB (ARCHITECTURE 6.8); a smoke request is a sample, kept far smaller.
MAX_SMOKE_BODY_BYTES = 64 * 1024


# ---------------------------------------------------------------------------------------------- images


class FrameworkImageSettings(Section):
    """A SageMaker framework image, resolved for the stack's region (ml_constructs/framework_images.py)."""

    kind: Literal["framework"] = "framework"
    framework: Literal["sklearn", "xgboost", "pytorch"] = "sklearn"
    version: str = SKLEARN_FRAMEWORK_VERSION
    """Default: the scikit-learn image the handler and demo model are built for (inference_code/framework.py)."""
    python_version: Optional[str] = None
    """e.g. py311. Default: the Python the version's image is built for."""


class EcrImageSettings(Section):
    """An image in one of this account's ECR repositories, by tag or (better: immutable) by digest."""

    kind: Literal["ecr"] = "ecr"
    repository_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$", max_length=256)]
    tag: Optional[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]] = None
    digest: Optional[Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]] = None

    @model_validator(mode="after")
    def _tag_or_digest(self) -> "EcrImageSettings":
        raise_problems(ecr_reference_problems(self.tag, self.digest))
        return self


class AssetImageSettings(Section):
    """Bring your own container: a directory with a Dockerfile, built and pushed by `cdk deploy`."""

    kind: Literal["asset"] = "asset"
    directory: RelativePath
    """Relative to the project root."""


ImageSettings = Annotated[
    Union[FrameworkImageSettings, EcrImageSettings, AssetImageSettings], Field(discriminator="kind")
]


# ---------------------------------------------------------------------------------------------- smoke requests


class SmokeRequest(Section):
    """One request the smoke test sends after each deploy; the endpoint must answer it with a 2xx.

    A sample the model really accepts (its features, its format), so a model release that breaks the
    contract fails the stage instead of the first client.
    """

    content_type: MimeType
    """e.g. text/csv or application/json."""
    body: Annotated[str, StringConstraints(min_length=1)]
    """The request body as text (UTF-8), at most 64 KiB."""
    accept: Optional[MimeType] = None
    """Default: the model's default response type."""
    target_model: Optional[S3Key] = None
    """Multi-model endpoints only, and required there: the model.tar.gz to load, relative to the model's
    multi_model_prefix (InvokeEndpoint's TargetModel), e.g. model-v1.tar.gz."""

    @field_validator("body")
    @classmethod
    def _small(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > MAX_SMOKE_BODY_BYTES:
            raise ValueError(f"body is {size} bytes; a smoke request holds at most {MAX_SMOKE_BODY_BYTES}")
        return value


# ---------------------------------------------------------------------------------------------- models


class HandlerSettings(Section):
    """The handler a framework image runs for the model: the SageMaker SDK's entry_point and source_dir,
    or the framework's built-in handler. Package the model with the same values:
    `python -m tools.package_model --source-dir <source_dir> --entry-point <entry_point>` (or --builtin-handler)."""

    entry_point: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.py$")] = DEFAULT_ENTRY_POINT
    """The module the image imports (SAGEMAKER_PROGRAM), a file in source_dir."""
    source_dir: RelativePath = "inference_code"
    """Relative to the project root; packed whole under code/ (multi-model: as sourcedir.tar.gz)."""
    builtin: bool = False
    """True: no handler code, the framework's own handler serves the model (XGBoost's `xgboost-model`)."""

    @model_validator(mode="after")
    def _builtin_alone(self) -> "HandlerSettings":
        named = sorted(self.model_fields_set & {"entry_point", "source_dir"})
        if self.builtin and named:
            raise ValueError(f"builtin=True runs no code of yours; drop {', '.join(named)}")
        return self


class VpcSettings(Section):
    """Existing subnets and security groups for the model's network interfaces (no lookups at synth)."""

    subnet_ids: tuple[Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = Field(min_length=1, max_length=16)
    security_group_ids: tuple[Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8,17}$")], ...] = Field(min_length=1, max_length=5)


class ModelSettings(Section):
    """One SageMaker model: an image plus model data, or a registered model package.

    Model data comes from at most one of `model_data_key`, `model_data_asset`, `multi_model_prefix` and
    `model_package_version`; with none, the serving config's `default_model_data_key` is used.
    """

    image: ImageSettings = Field(default_factory=FrameworkImageSettings)
    """Default: the scikit-learn framework image, with inference_code/ (packed in model.tar.gz) as handler."""
    model_data_key: Optional[S3Key] = None
    """A model.tar.gz in the environment's model bucket."""
    model_data_asset: Optional[RelativePath] = None
    """A local model.tar.gz (relative to the project root), uploaded as a CDK file asset."""
    multi_model_prefix: Optional[S3Prefix] = None
    """Multi-model mode: the endpoint loads any model.tar.gz under this prefix of the model bucket on demand."""
    model_package_version: Optional[Annotated[int, Field(ge=1)]] = None
    """A version of the environment's model package group (the registry); it brings its own image and data."""
    environment: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,1023}$")], str] = Field(default_factory=dict)
    """Extra container environment. Framework images also get the handler settings (ARCHITECTURE.md fact 6.6)."""
    network_isolation: bool = True
    """True: the container has no network access (the handler ships inside model.tar.gz and installs nothing).
    Serverless endpoints do not support it: set False for models they serve."""
    vpc: Optional[VpcSettings] = None
    """Default: no VPC (SageMaker-managed network; with network isolation, no egress at all)."""
    handler: HandlerSettings = Field(default_factory=HandlerSettings)
    """Framework images only. Default: the project's handler, inference_code/inference.py."""
    smoke_request: Optional[SmokeRequest] = None
    """A request this model answers, sent by the smoke test to every endpoint serving it (unless the
    endpoint sets its own). Default: none."""

    @model_validator(mode="after")
    def _one_data_source(self) -> "ModelSettings":
        sources = {
            name: getattr(self, name)
            for name in ("model_data_key", "model_data_asset", "multi_model_prefix", "model_package_version")
            if getattr(self, name) is not None
        }
        if len(sources) > 1:
            raise ValueError(f"set at most one model data source, got {sources}")
        if self.model_package_version is not None and "image" in self.model_fields_set:
            raise ValueError(
                f"a model package (model_package_version={self.model_package_version}) brings its own image; "
                f"remove image={self.image.model_dump()}"
            )
        return self

    @model_validator(mode="after")
    def _handler_fits(self) -> "ModelSettings":
        if self.image.kind != "framework" or self.is_registry_package:
            if "handler" in self.model_fields_set:
                raise ValueError("handler applies to framework images only; your image or package brings its own")
            return self
        source_dir = None if self.handler.builtin else PROJECT_ROOT / self.handler.source_dir
        problems = handler_problems(self.image.framework, self.entry_point, source_dir, multi_model=self.is_multi_model,
                                    network_isolation=self.network_isolation, environment=self.environment)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def entry_point(self) -> Optional[str]:
        """The handler module a framework image imports; None when its built-in handler serves the model."""
        return None if self.handler.builtin else self.handler.entry_point

    @property
    def is_multi_model(self) -> bool:
        return self.multi_model_prefix is not None

    @property
    def is_registry_package(self) -> bool:
        return self.model_package_version is not None


# ---------------------------------------------------------------------------------------------- autoscaling


class ScheduledScalingSettings(Section):
    """A scheduled capacity change, e.g. a higher floor during business hours."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9]{0,63}$")]
    schedule: str
    """An Application Auto Scaling schedule: `cron(...)` with 6 fields, e.g. `cron(0 8 ? * MON-FRI *)`,
    `rate(...)` or `at(...)`."""
    timezone: TimeZoneName = "UTC"
    """IANA time zone the schedule is evaluated in, e.g. Europe/Berlin."""
    min_capacity: Optional[Annotated[int, Field(ge=0)]] = None
    max_capacity: Optional[Annotated[int, Field(ge=1)]] = None

    @model_validator(mode="after")
    def _bounds(self) -> "ScheduledScalingSettings":
        raise_problems(scheduled_scaling_problems(schedule=self.schedule, min_capacity=self.min_capacity,
                                                  max_capacity=self.max_capacity), prefix=f"schedule {self.name!r}: ")
        return self


class AutoscalingSettings(Section):
    """Autoscaling of one instance variant.

    Real-time variants track SageMakerVariantInvocationsPerInstance: give the target directly, or the
    requests per second one instance sustains (load test) and a safety factor. Async variants track
    ApproximateBacklogSizePerInstance and scale up from zero on HasBacklogWithoutCapacity.
    """

    min_capacity: Annotated[int, Field(ge=0)] = 1
    """0 only for async variants (real-time variants cannot scale to zero)."""
    max_capacity: Annotated[int, Field(ge=1)] = 2
    target_invocations_per_instance: Optional[Annotated[float, Field(gt=0)]] = None
    """Invocations per instance per minute. Default: derived from max_requests_per_second."""
    max_requests_per_second: Optional[Annotated[float, Field(gt=0)]] = None
    """What one instance sustains; target = max_requests_per_second * 60 * safety_factor."""
    safety_factor: Annotated[float, Field(gt=0, le=1)] = 0.5
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    disable_scale_in: bool = False
    """True: the policy only adds instances (scale in by hand or by schedule)."""
    schedules: tuple[ScheduledScalingSettings, ...] = ()
    backlog_target_per_instance: Optional[Annotated[float, Field(gt=0)]] = None
    """Async only: queued requests per instance to aim for. Default for async variants: 5."""

    @model_validator(mode="after")
    def _consistent(self) -> "AutoscalingSettings":
        # Bounds against the variant and the endpoint kind: EndpointSettings._scaling_problems (rules.scaling).
        raise_problems(capacity_bounds_problems(self.min_capacity, self.max_capacity))
        if self.target_invocations_per_instance is not None and self.max_requests_per_second is not None:
            raise ValueError(
                f"set target_invocations_per_instance ({self.target_invocations_per_instance}) or "
                f"max_requests_per_second ({self.max_requests_per_second}), not both"
            )
        return self

    @property
    def uses_invocation_target(self) -> bool:
        return self.target_invocations_per_instance is not None or self.max_requests_per_second is not None

    def invocations_target(self) -> float:
        """The InvocationsPerInstance target (per minute). Default: 70 per minute when nothing was given."""
        if self.target_invocations_per_instance is not None:
            return self.target_invocations_per_instance
        if self.max_requests_per_second is not None:
            return round(self.max_requests_per_second * 60 * self.safety_factor, 2)
        return 70.0

    def backlog_target(self) -> float:
        return self.backlog_target_per_instance if self.backlog_target_per_instance is not None else 5.0


# ---------------------------------------------------------------------------------------------- variants


class InstanceVariantSettings(Section):
    """A production (or shadow) variant on dedicated instances."""

    name: VariantName
    model: LocalName
    """A key of the serving config's `models`."""
    instance_type: str = "ml.m5.large"
    """A type CreateEndpointConfig accepts (botocore's ProductionVariantInstanceType)."""
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = 1
    weight: Annotated[float, Field(gt=0)] = 1.0
    """Relative share of traffic among the endpoint's variants."""
    volume_size_gb: Optional[Annotated[int, Field(ge=1, le=512)]] = None
    """ML storage volume size. Default: SageMaker's default for the instance type."""
    container_startup_health_check_timeout_seconds: Optional[Annotated[int, Field(ge=60, le=3600)]] = None
    model_data_download_timeout_seconds: Optional[Annotated[int, Field(ge=60, le=3600)]] = None
    autoscaling: Optional[AutoscalingSettings] = None
    """Default: no autoscaling; the variant keeps initial_instance_count."""

    @field_validator("instance_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        field_problem(instance_type_problems(value, "real-time"))
        return value

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
    memory_size_mb: int = 2048
    """1024 to 6144, in steps of 1024."""
    max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5
    provisioned_concurrency: Optional[Annotated[int, Field(ge=1, le=200)]] = None
    """Warm capacity that avoids cold starts (billed while provisioned). Default: none."""

    @field_validator("memory_size_mb")
    @classmethod
    def _memory_step(cls, value: int) -> int:
        if value not in SERVERLESS_MEMORY_SIZES_MB:
            raise ValueError(f"memory_size_mb must be one of {SERVERLESS_MEMORY_SIZES_MB}")
        return value

    @model_validator(mode="after")
    def _provisioned_within_max(self) -> "ServerlessVariantSettings":
        raise_problems(serverless_problems(autoscaling=self.autoscaling is not None), prefix=f"variant {self.name!r}: ")
        if self.provisioned_concurrency is not None and self.provisioned_concurrency > self.max_concurrency:
            raise ValueError(
                f"provisioned_concurrency ({self.provisioned_concurrency}) must be <= max_concurrency ({self.max_concurrency})"
            )
        return self


# ---------------------------------------------------------------------------------------------- endpoint features


class AsyncInferenceSettings(Section):
    """Asynchronous inference: requests queue, results land in the output bucket, SNS says when."""

    output_prefix: Optional[S3Prefix] = None
    """Where results go in the output bucket. Default: async/<endpoint>/output/."""
    failure_prefix: Optional[S3Prefix] = None
    """Where failures go in the output bucket. Default: async/<endpoint>/failures/."""
    notifications: bool = True
    """True: KMS-encrypted SNS success and error topics."""
    max_concurrent_invocations_per_instance: Optional[Annotated[int, Field(ge=1, le=1000)]] = None
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

    sampling_percentage: Annotated[int, Field(ge=0, le=100)] = 100
    capture_input: bool = True
    capture_output: bool = True
    csv_content_types: tuple[str, ...] = ("text/csv",)
    json_content_types: tuple[str, ...] = ("application/json",)
    prefix: Optional[S3Prefix] = None
    """Where captures go in the output bucket. Default: data-capture/<endpoint>/."""

    @model_validator(mode="after")
    def _captures_something(self) -> "DataCaptureSettings":
        if not (self.capture_input or self.capture_output):
            raise ValueError("capture_input and capture_output are both False; enable one or drop data_capture")
        return self


class DeploymentSettings(Section):
    """Deployment guardrails: a blue/green update that shifts traffic step by step and rolls back on alarms."""

    traffic_routing: Literal["ALL_AT_ONCE", "CANARY", "LINEAR"] = "ALL_AT_ONCE"
    size_type: Literal["CAPACITY_PERCENT", "INSTANCE_COUNT"] = "CAPACITY_PERCENT"
    size_value: Optional[Annotated[int, Field(ge=1)]] = None
    """Canary size or linear step size. Required for CANARY and LINEAR, not allowed for ALL_AT_ONCE."""
    wait_interval_seconds: Seconds3600 = 300
    """Baking time between traffic shifts."""
    termination_wait_seconds: Seconds3600 = 0
    """How long the old fleet stays after the shift completes (a fast way back)."""
    maximum_execution_timeout_seconds: Optional[Annotated[int, Field(ge=600, le=28800)]] = None
    """Default: SageMaker's."""
    auto_rollback: bool = True
    """True: the endpoint's 5XX and latency alarms roll the update back."""

    @model_validator(mode="after")
    def _size_matches_routing(self) -> "DeploymentSettings":
        stepped = self.traffic_routing in ("CANARY", "LINEAR")
        if stepped and self.size_value is None:
            raise ValueError(f"traffic_routing {self.traffic_routing} needs size_value (and size_type)")
        if not stepped and self.size_value is not None:
            raise ValueError(f"traffic_routing ALL_AT_ONCE takes no size_value (got {self.size_value})")
        if self.size_type == "CAPACITY_PERCENT" and self.size_value is not None and self.size_value > 100:
            raise ValueError(f"size_value {self.size_value} is a percentage here; use 1-100")
        return self


class EndpointAlarmSettings(Section):
    """The endpoint's 5XX and latency alarms (also the deployment rollback alarms)."""

    errors_5xx_per_minute: Annotated[int, Field(ge=1)] = 5
    latency_p99_ms: Annotated[float, Field(gt=0)] = 1000
    evaluation_periods: Annotated[int, Field(ge=1, le=60)] = 5
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=60)] = 3

    @model_validator(mode="after")
    def _datapoints_within_periods(self) -> "EndpointAlarmSettings":
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise ValueError(
                f"datapoints_to_alarm ({self.datapoints_to_alarm}) must be <= evaluation_periods ({self.evaluation_periods})"
            )
        return self


class EndpointSettings(Section):
    """One endpoint: instance variants (up to 10) or one serverless variant, plus its optional features."""

    variants: tuple[InstanceVariantSettings, ...] = ()
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
        problems = []
        if self.serverless is not None:
            conflicts = {name: True for name in ("variants", "shadow_variant", "async_inference")
                         if getattr(self, name)}
            if conflicts:
                problems.append(f"a serverless endpoint cannot also have {', '.join(conflicts)}")
        elif not self.variants:
            problems.append("set variants (1-10 instance variants) or serverless")
        if len(self.variants) > MAX_PRODUCTION_VARIANTS:
            problems.append(f"{len(self.variants)} variants; at most {MAX_PRODUCTION_VARIANTS} are allowed")
        names = [v.name for v in self.all_instance_variants] + ([self.serverless.name] if self.serverless else [])
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            problems.append(f"variant names must be unique; repeated: {duplicates}")
        if self.shadow_variant is not None and self.async_inference is not None:
            problems.append("shadow variants are not supported on async endpoints")
        problems.extend(self._scaling_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

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
        if self.serverless is not None:
            return (self.serverless.model,)
        return tuple(v.model for v in self.all_instance_variants)


# ---------------------------------------------------------------------------------------------- the section


class ServingConfig(Section):
    """The environment's models and endpoints. Endpoint keys become construct ids (realtime -> Realtime)."""

    default_model_data_key: S3Key = "models/model-v1.tar.gz"
    """The model.tar.gz in the model bucket that a model without its own data source serves."""
    models: dict[LocalName, ModelSettings] = Field(default_factory=lambda: {"main": ModelSettings()})
    endpoints: dict[LocalName, EndpointSettings] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> "ServingConfig":
        problems = []
        for endpoint_name, endpoint in self.endpoints.items():
            for model_name in endpoint.model_names:
                model = self.models.get(model_name)
                if model is None:
                    problems.append(
                        f"endpoint {endpoint_name!r} uses model {model_name!r}, which is not defined; "
                        f"defined models: {sorted(self.models)}"
                    )
                    continue
                if endpoint.serverless is not None:
                    problems.extend(f"endpoint {endpoint_name!r}: {problem}" for problem in serverless_problems(
                        multi_model=model.is_multi_model, network_isolation=model.network_isolation,
                        in_vpc=model.vpc is not None, model=f"models.{model_name}"))
                if model.is_multi_model and endpoint.shadow_variant is not None:
                    problems.append(f"endpoint {endpoint_name!r}: shadow variants are not supported with multi-model {model_name!r}")
            problems.extend(self._smoke_request_problems(endpoint_name))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def smoke_request_for(self, endpoint_name: str) -> Optional[SmokeRequest]:
        """The endpoint's own smoke_request, else that of the model its first variant serves; None: neither."""
        endpoint = self.endpoints[endpoint_name]
        if endpoint.smoke_request is not None:
            return endpoint.smoke_request
        model = self.models.get(endpoint.model_names[0]) if endpoint.model_names else None
        return model.smoke_request if model is not None else None

    def serves_multi_model(self, endpoint_name: str) -> bool:
        return any(self.models[name].is_multi_model for name in self.endpoints[endpoint_name].model_names
                   if name in self.models)

    def _smoke_request_problems(self, endpoint_name: str) -> list[str]:
        # TargetModel is required by a multi-model endpoint and rejected by any other.
        request = self.smoke_request_for(endpoint_name)
        if request is None:
            return []
        multi = self.serves_multi_model(endpoint_name)
        if multi and request.target_model is None:
            return [f"endpoint {endpoint_name!r} is multi-model: its smoke_request needs target_model (a model.tar.gz "
                    f"under the model's multi_model_prefix), got none"]
        if not multi and request.target_model is not None:
            return [f"endpoint {endpoint_name!r} is not multi-model: its smoke_request takes no target_model "
                    f"(got {request.target_model!r})"]
        return []
