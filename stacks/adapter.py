"""The adapter: the one module where config values meet the construct library's props.

Stacks call these functions with config sections and get typed library values or constructs back; nothing
else in the app turns config into props, and the library knows nothing of config. Models are built here for
Serving and Batch alike, so a batch job runs exactly the image and artifact its endpoint does, while each stack
owns its own model resource (a model name changes with its artifact and must never be exported across stacks).
"""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from aws_cdk import Duration, RemovalPolicy, Stack, TimeZone, aws_applicationautoscaling as appscaling, aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecr as ecr, aws_logs as logs, aws_scheduler as scheduler
from constructs import Construct

from config.batch import RetrySettings, ScheduleSettings, TransformSettings
from config.data import DataConfig
from config.monitoring import EndpointAlarmThresholds as ThresholdSettings, NoTraffic as NoTrafficSettings, Thresholds
from config.serving import (
    DeploymentSettings, EndpointAlarmSettings, EndpointSettings, InstanceVariantSettings, ModelSettings, async_paths,
)
from config.serving.components import ComponentHostSettings, ComponentSettings
from config.serving.rolling import ComponentDeploymentSettings, ComponentRollingUpdate, InstanceRollingUpdate
from config.serving.variant_options import VariantOptions as VariantOptionSettings, core_dump_prefix
from inference_code.framework import REGISTRY_PACKAGE_FRAMEWORK
from sagemaker_serving_cdk.rules.images import framework_image
from sagemaker_serving_cdk.rules.logs import retention_member
from sagemaker_serving_cdk import (
    AlarmLevels, AsyncInference, Retry, ScheduleOptions, TransformOptions, BlueGreenDeployment, CapacitySize, ComponentHostVariant,
    ComputeRequirements, ContainerImage, CoreDump, DataCapture, Endpoint, EndpointAlarmThresholds, EndpointConfig, HealthAlarms,
    InferenceAmiVersion, InferenceComponent, InstanceVariant, ManagedInstanceScaling, Model, ModelData, NoTraffic, RollingDeployment,
    RoutingStrategy, SageMakerExecutionRole, ScalableCopyCount, ScalableInstanceCount, ServerlessVariant, ShadowVariant,
    TrafficRouting,
)
from paths import PROJECT_ROOT
from tools import package_model

if TYPE_CHECKING:  # data_stack uses the adapter too
    from stacks.data_stack import DataReferences

HANDLER_SOURCE_DIR = PROJECT_ROOT / "build" / "handler-source"



def construct_id(name: str) -> str:
    """`multi-model` -> `MultiModel`: config keys become construct ids, so renaming one replaces resources."""
    return "".join(part.capitalize() for part in name.split("-"))


def model_from_config(
    stack: Stack,
    name: str,
    settings: ModelSettings,
    *,
    role: SageMakerExecutionRole,
    data: DataReferences,
    default_model_data_key: str,
) -> Model:
    """The model `name` of the config, in `stack`, with construct id `<Name>Model`."""
    common = dict(
        role=role,
        environment=settings.environment or None,
        network_isolation=settings.network_isolation,
        subnet_ids=settings.vpc.subnet_ids if settings.vpc else (),
        security_group_ids=settings.vpc.security_group_ids if settings.vpc else (),
    )
    model_id = f"{construct_id(name)}Model"
    if settings.is_registry_package:
        framework, version = REGISTRY_PACKAGE_FRAMEWORK
        role.grant_image_pull([framework_image(framework, version, stack.region).repository_arn])
        return Model(stack, model_id, model_package_arn=data.registry.model_package_arn(
            settings.model_package_version), **common)

    handler_source = None
    if settings.model_data_asset is not None:
        artifact = existing_path(settings.model_data_asset)
        if settings.image.kind == "framework":
            check_artifact_handler(artifact, settings.entry_point)
        model_data = ModelData.from_asset(str(artifact))
    elif settings.multi_model_prefix is not None:
        model_data = ModelData.multi_model(data.models, settings.multi_model_prefix)
        if settings.image.kind == "framework" and settings.entry_point is not None:
            handler_source = str(handler_source_bundle(PROJECT_ROOT / settings.handler.source_dir, settings.entry_point))
    else:
        model_data = ModelData.from_bucket(data.models, settings.model_data_key or default_model_data_key)
    return Model(stack, model_id, image=_image(stack, model_id, settings), model_data=model_data,
                          handler_source=handler_source, **common)


def handler_source_bundle(source_dir: Path, entry_point: str) -> Path:
    """sourcedir.tar.gz of a handler, written under build/ with a name from its bytes (reproducible, so the
    CDK asset hash moves only when the handler does)."""
    data = package_model.build_tarball(package_model.source_entries(source_dir, entry_point))
    out = HANDLER_SOURCE_DIR / f"{hashlib.sha256(data).hexdigest()[:16]}-sourcedir.tar.gz"
    if not out.exists():
        package_model.write_atomically(out, data)
    return out


def check_artifact_handler(artifact: Path, entry_point: Optional[str]) -> None:
    """A local model.tar.gz must carry the handler its config names, or no code/ for a built-in handler."""
    with tarfile.open(artifact) as archive:
        names = set(archive.getnames())
    code = sorted(name for name in names if name.split("/")[0] == package_model.CODE_PREFIX and name != "code")
    if entry_point is None and code:
        raise ValueError(f"{artifact} holds {code[:3]} but the model's handler is builtin: the image would never "
                         "run that code; package it with --builtin-handler or configure its entry_point")
    if entry_point is not None and f"{package_model.CODE_PREFIX}/{entry_point}" not in names:
        raise ValueError(f"{artifact} has no code/{entry_point}, the handler.entry_point its config names; package it "
                         f"with --entry-point {entry_point} (found code files: {code[:5] or 'none'})")


def _image(stack: Stack, model_id: str, settings: ModelSettings) -> ContainerImage:
    image = settings.image
    if image.kind == "framework":
        return ContainerImage.from_framework(image.framework, image.version, python_version=image.python_version,
                                         entry_point=settings.entry_point)
    if image.kind == "ecr":
        repository = ecr.Repository.from_repository_name(stack, f"{model_id}Repository", image.repository_name)
        return ContainerImage.from_ecr_repository(repository, tag=image.tag, digest=image.digest)
    return ContainerImage.from_asset(str(existing_path(image.directory)))


def existing_path(relative: str) -> Path:
    """A project file a model needs (an asset), or an error saying how to build it."""
    path = PROJECT_ROOT / relative
    if not path.exists():
        hint = " (build it with `make build/demo-model.tar.gz`)" if relative.startswith("build/") else ""
        raise FileNotFoundError(f"{relative} does not exist under {PROJECT_ROOT}{hint}")
    return path


# ------------------------------------------------------------------------------------------ endpoints

def endpoint_config(scope: Construct, construct_id_: str, *, name: str, settings: EndpointSettings,
                    models: dict[str, Model], data: DataReferences,
                    execution_role: SageMakerExecutionRole) -> EndpointConfig:
    """The endpoint `name`'s config: variants hold the models they name (or one component host, whose components
    are separate constructs); S3 paths follow the bucket layout."""
    def instance(variant: InstanceVariantSettings, kind: type[InstanceVariant] | type[ShadowVariant] = InstanceVariant):
        return kind(
            model=models[variant.model],
            variant_name=variant.name,
            instance_type=variant.instance_type,
            initial_instance_count=variant.initial_instance_count,
            initial_weight=variant.weight,
            volume_size_gb=variant.volume_size_gb,
            container_startup_health_check_timeout=_duration(variant.container_startup_health_check_timeout_seconds),
            model_data_download_timeout=_duration(variant.model_data_download_timeout_seconds),
            **variant_options(variant, endpoint=name, data=data),
        )

    serverless = settings.serverless
    async_inference = None
    if settings.async_inference is not None:
        paths = async_paths(name, settings.async_inference)
        async_inference = AsyncInference(
            output_bucket=data.output, output_prefix=paths.output_prefix, failure_prefix=paths.failure_prefix,
            key=data.key, notifications=settings.async_inference.notifications,
            max_concurrent_invocations_per_instance=settings.async_inference.max_concurrent_invocations_per_instance)
    capture = settings.data_capture
    data_capture = None
    if capture is not None:
        data_capture = DataCapture(
            bucket=data.output, prefix=capture.prefix or f"{data.layout.data_capture_prefix}{name}/", key=data.key,
            sampling_percentage=capture.sampling_percentage, capture_input=capture.capture_input,
            capture_output=capture.capture_output, csv_content_types=capture.csv_content_types,
            json_content_types=capture.json_content_types)
    host = settings.component_host
    return EndpointConfig(
        scope,
        construct_id_,
        variants=[instance(v) for v in settings.variants],
        serverless=None if serverless is None else ServerlessVariant(
            model=models[serverless.model], variant_name=serverless.name, memory_size_mb=serverless.memory_size_mb,
            max_concurrency=serverless.max_concurrency, provisioned_concurrency=serverless.provisioned_concurrency),
        shadow_variants=[instance(settings.shadow_variant, ShadowVariant)] if settings.shadow_variant else (),
        component_host=None if host is None else component_host(host, endpoint=name, data=data),
        execution_role=execution_role if host is not None else None,
        async_inference=async_inference,
        data_capture=data_capture,
        volume_key=data.key,
    )


def variant_options(settings: VariantOptionSettings, *, endpoint: str, data: DataReferences) -> dict:
    """Routing, AMI pinning, SSM access and core dumps of one variant (unset options leave the template as it was)."""
    return dict(
        routing=None if settings.routing is None else RoutingStrategy(settings.routing),
        inference_ami_version=None if settings.inference_ami_version is None
        else InferenceAmiVersion(settings.inference_ami_version),
        enable_ssm_access=settings.enable_ssm_access or None,
        core_dump=CoreDump(bucket=data.output, prefix=core_dump_prefix(endpoint), key=data.key)
        if settings.core_dump else None,
    )


def component_host(settings: ComponentHostSettings, *, endpoint: str, data: DataReferences) -> ComponentHostVariant:
    scaling = settings.managed_scaling
    return ComponentHostVariant(
        instance_type=settings.instance_type,
        variant_name=settings.variant_name,
        initial_instance_count=settings.initial_instance_count,
        managed_scaling=None if scaling is None else ManagedInstanceScaling(
            min_instance_count=scaling.min_instance_count, max_instance_count=scaling.max_instance_count),
        **variant_options(settings, endpoint=endpoint, data=data),
    )


def inference_component(scope: Construct, construct_id_: str, *, endpoint: Endpoint, component_name: str,
                        settings: ComponentSettings, models: dict[str, Model],
                        alarms: HealthAlarms) -> InferenceComponent:
    """One component of a component host, with its health alarms (its rollback alarms too) and its copy-count
    autoscaling (and the wake-up from zero)."""
    component = InferenceComponent(
        scope, construct_id_, endpoint=endpoint, component_name=component_name, model=models[settings.model],
        compute=ComputeRequirements(cpu_cores=settings.cpu_cores, memory_mb=settings.memory_mb,
                                    accelerators=settings.accelerators),
        copy_count=settings.copy_count,
        startup_health_check_timeout=_duration(settings.container_startup_health_check_timeout_seconds),
        model_data_download_timeout=_duration(settings.model_data_download_timeout_seconds),
        deployment=component_deployment(settings.deployment),
        health_alarms=alarms,
    )
    scaling = settings.autoscaling
    if scaling is not None:
        copies: ScalableCopyCount = component.auto_scale_copy_count(min_capacity=scaling.min_copies,
                                                                    max_capacity=scaling.max_copies)
        if scaling.invocations_per_copy is not None:
            copies.scale_on_invocations_per_copy(scaling.invocations_per_copy)
        else:
            copies.scale_on_concurrent_requests_per_copy(scaling.concurrent_requests_per_copy)
        if scaling.min_copies == 0:
            copies.scale_from_zero()
    return component


def _capacity(size_type: str, value: int | None) -> CapacitySize | None:
    return None if value is None else CapacitySize(size_type, value)


def component_deployment(settings: ComponentDeploymentSettings | None) -> RollingDeployment | None:
    return None if settings is None else _rolling(settings.rolling, auto_rollback=settings.auto_rollback)


def _rolling(rolling: InstanceRollingUpdate | ComponentRollingUpdate, *, auto_rollback: bool) -> RollingDeployment:
    return RollingDeployment(
        maximum_batch_size=CapacitySize(rolling.batch_size_type, rolling.batch_size),
        wait_interval=Duration.seconds(rolling.wait_interval_seconds),
        maximum_execution_timeout=_duration(rolling.maximum_execution_timeout_seconds),
        rollback_maximum_batch_size=_capacity(rolling.batch_size_type, rolling.rollback_batch_size),
        auto_rollback=auto_rollback,
    )


def deployment(settings: DeploymentSettings | None) -> BlueGreenDeployment | RollingDeployment | None:
    if settings is None:
        return None
    if settings.rolling is not None:
        return _rolling(settings.rolling, auto_rollback=settings.auto_rollback)
    routing = TrafficRouting.all_at_once()
    if settings.size_value is not None:
        size = CapacitySize(settings.size_type, settings.size_value)
        routing = TrafficRouting.canary(size) if settings.traffic_routing == "CANARY" else TrafficRouting.linear(size)
    return BlueGreenDeployment(
        traffic_routing=routing,
        wait_interval=Duration.seconds(settings.wait_interval_seconds),
        termination_wait=Duration.seconds(settings.termination_wait_seconds),
        maximum_execution_timeout=_duration(settings.maximum_execution_timeout_seconds),
        auto_rollback=settings.auto_rollback,
    )


def health_alarms(settings: EndpointAlarmSettings, action: cloudwatch.IAlarmAction) -> HealthAlarms:
    return HealthAlarms(errors_5xx_per_minute=settings.errors_5xx_per_minute, latency_p99_ms=settings.latency_p99_ms,
                        evaluation_periods=settings.evaluation_periods,
                        datapoints_to_alarm=settings.datapoints_to_alarm, action=action)


def autoscale(scope: Construct, construct_id_: str, endpoint: Endpoint,
              variant: InstanceVariantSettings) -> ScalableInstanceCount:
    """The variant's `autoscaling` settings as a scalable target with its policies and schedules."""
    settings = variant.autoscaling
    assert settings is not None
    scaling = endpoint.find_variant(variant.name).auto_scale_instance_count(
        min_capacity=settings.min_capacity, max_capacity=settings.max_capacity, scope=scope,
        construct_id=construct_id_)
    cooldowns = dict(scale_in_cooldown=Duration.seconds(settings.scale_in_cooldown_seconds),
                     scale_out_cooldown=Duration.seconds(settings.scale_out_cooldown_seconds),
                     disable_scale_in=settings.disable_scale_in)
    if endpoint.is_async:
        scaling.scale_on_backlog(settings.backlog_target(), **cooldowns)
        scaling.scale_from_zero_on_backlog(cooldown=Duration.seconds(settings.scale_out_cooldown_seconds))
    else:
        scaling.scale_on_invocations(settings.invocations_target(), **cooldowns)
    for schedule in settings.schedules:
        # Application Auto Scaling takes the expression verbatim: cron(...), rate(...) or at(...).
        scaling.scale_on_schedule(schedule.name, schedule=appscaling.Schedule.expression(schedule.schedule),
                                  time_zone=TimeZone.of(schedule.timezone), min_capacity=schedule.min_capacity,
                                  max_capacity=schedule.max_capacity)
    return scaling


def alarm_levels(settings: Thresholds) -> AlarmLevels:
    return AlarmLevels(warning=settings.warning, critical=settings.critical,
                       period=Duration.minutes(settings.period_minutes),
                       evaluation_periods=settings.evaluation_periods,
                       datapoints_to_alarm=settings.datapoints_to_alarm)


def endpoint_alarm_thresholds(settings: ThresholdSettings) -> EndpointAlarmThresholds:
    levels = {name: alarm_levels(getattr(settings, name)) for name in (
        "invocations_per_period", "errors_5xx_per_period", "errors_4xx_percent", "model_latency_p99_ms",
        "overhead_latency_p99_ms", "cpu_utilization_percent", "memory_utilization_percent", "async_backlog_size",
        "async_oldest_request_age_seconds", "serverless_model_setup_ms", "component_no_capacity_failures")}
    return EndpointAlarmThresholds(no_invocations=_no_traffic(settings.no_invocations), **levels)


def _no_traffic(settings: NoTrafficSettings | None) -> NoTraffic | None:
    if settings is None:
        return None
    return NoTraffic(periods=settings.periods, period=Duration.minutes(settings.period_minutes),
                     severity=settings.severity)


def _duration(seconds: int | None) -> Duration | None:
    return None if seconds is None else Duration.seconds(seconds)


# ------------------------------------------------------------------------------------------ data

def removal_policy(retain_data: bool) -> RemovalPolicy:
    """RETAIN keeps a data-bearing resource (and its data) when the stack goes; DESTROY deletes it with the stack."""
    return RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY


def bucket_lifecycle(settings: DataConfig) -> dict[str, Duration | None]:
    """`DataBuckets` lifecycle props from the data section."""
    return dict(
        output_expiration=_days(settings.output_expiration_days),
        output_ia_transition=_days(settings.output_transition_to_ia_days),
        noncurrent_version_expiration=Duration.days(settings.noncurrent_version_expiration_days),
        abort_incomplete_uploads_after=Duration.days(settings.abort_incomplete_upload_days),
        access_log_expiration=Duration.days(settings.access_log_expiration_days),
    )


def _days(days: int | None) -> Duration | None:
    return None if days is None else Duration.days(days)


# ------------------------------------------------------------------------------------------ batch

def transform_options(settings: TransformSettings) -> TransformOptions:
    return TransformOptions(
        instance_type=settings.instance_type, instance_count=settings.instance_count, data_type=settings.data_type,
        input_prefix=settings.input_prefix, output_prefix=settings.effective_output_prefix,
        manifest_name=settings.effective_manifest_name, strategy=settings.strategy,
        max_payload_mb=settings.max_payload_mb, max_concurrent_transforms=settings.max_concurrent_transforms,
        split_type=settings.split_type, compression=settings.compression, content_type=settings.content_type,
        accept=settings.accept, assemble_with=settings.assemble_with, input_filter=settings.input_filter,
        output_filter=settings.output_filter, join_source=settings.join_source, environment=dict(settings.environment),
        encrypt_output=settings.encrypt_output, encrypt_volume=settings.encrypt_volume,
        invocation_timeout=Duration.seconds(settings.invocation_timeout_seconds),
        invocation_max_retries=settings.invocation_max_retries, timeout=Duration.hours(settings.timeout_hours),
        throttle_retry=_retry(settings.throttle_retry), limit_retry=_retry(settings.limit_retry),
        capacity_retry=_retry(settings.capacity_retry),
    )


def schedule_expression(settings: ScheduleSettings) -> scheduler.ScheduleExpression:
    """The expression verbatim (cron, rate or at) in its time zone, as the template has always carried it."""
    return scheduler.ScheduleExpression.expression(settings.expression, TimeZone.of(settings.timezone))


def schedule_options(settings: ScheduleSettings) -> ScheduleOptions:
    return ScheduleOptions(
        enabled=settings.enabled,
        flexible_window=None if settings.flexible_window_minutes is None
        else Duration.minutes(settings.flexible_window_minutes),
        start=settings.start, end=settings.end, retry_attempts=settings.retry_attempts,
        max_event_age=Duration.hours(settings.max_event_age_hours))


def _retry(settings: RetrySettings) -> Retry:
    return Retry(max_attempts=settings.max_attempts, interval=Duration.seconds(settings.interval_seconds),
                 backoff_rate=settings.backoff_rate, max_delay=_duration(settings.max_delay_seconds))


def retention(days: int) -> logs.RetentionDays:
    """A CloudWatch Logs retention from a number of days (config's batch.log_retention_days, validated there)."""
    return getattr(logs.RetentionDays, retention_member(days))
