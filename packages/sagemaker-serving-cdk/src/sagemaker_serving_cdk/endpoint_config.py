"""An endpoint configuration: instance, serverless and shadow variants (typed values holding an `IModel`),
async inference, data capture and the volume KMS key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aws_cdk import (
    ArnFormat,
    Duration,
    Resource,
    Stack,
    aws_kms as kms,
    aws_s3 as s3,
    aws_sagemaker as sagemaker,
    aws_sns as sns,
)
from constructs import Construct

from sagemaker_serving_cdk._acknowledge import acknowledge
from sagemaker_serving_cdk.component_host import ComponentHostVariant
from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.execution_role import SageMakerExecutionRole
from sagemaker_serving_cdk.model import IModel
from sagemaker_serving_cdk.rules.component_host import component_host_mix_problems, component_host_problems
from sagemaker_serving_cdk.rules.endpoint_options import (
    async_concurrency_problems,
    data_capture_problems,
    volume_size_problems,
)
from sagemaker_serving_cdk.rules.instances import accepts_volume_kms_key
from sagemaker_serving_cdk.rules.variants import (
    endpoint_variant_problems,
    serverless_capacity_problems,
    serverless_problems,
)
from sagemaker_serving_cdk.variant_options import VariantOptions

_VOLUME_KMS_RULES = (
    "AwsSolutions-SM2",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
)


@dataclass(frozen=True)
class _InstanceVariantBase(VariantOptions):
    model: IModel
    variant_name: str
    instance_type: str = "ml.m5.large"
    """Default: ml.m5.large."""
    initial_instance_count: int = 1
    """Default: 1."""
    initial_weight: float = 1.0
    """Share of traffic relative to the other variants' weights. Default: 1.0."""
    volume_size_gb: int | None = None
    """ML storage volume per instance (EBS-backed types only). Default: SageMaker's default for the type."""
    container_startup_health_check_timeout: Duration | None = None
    """Default: SageMaker's default."""
    model_data_download_timeout: Duration | None = None
    """Default: SageMaker's default."""

    def _property(self) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=self.variant_name,
            model_name=self.model.model_name,
            instance_type=self.instance_type,
            initial_instance_count=self.initial_instance_count,
            initial_variant_weight=self.initial_weight,
            volume_size_in_gb=self.volume_size_gb,
            container_startup_health_check_timeout_in_seconds=_seconds(self.container_startup_health_check_timeout),
            model_data_download_timeout_in_seconds=_seconds(self.model_data_download_timeout),
            **self._options(),
        )


@dataclass(frozen=True)
class InstanceVariant(_InstanceVariantBase):
    """A production variant on instances you choose."""


@dataclass(frozen=True)
class ShadowVariant(_InstanceVariantBase):
    """A shadow variant: receives a copy of production traffic; its responses are discarded. A separate type so
    it cannot be passed as a production variant."""


@dataclass(frozen=True)
class ServerlessVariant:
    """The one variant of a serverless endpoint."""

    model: IModel
    variant_name: str = "AllTraffic"
    """Default: AllTraffic."""
    memory_size_mb: int = 2048
    """Default: 2048."""
    max_concurrency: int = 5
    """Default: 5."""
    provisioned_concurrency: int | None = None
    """Default: none (cold starts allowed)."""

    def _property(self) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=self.variant_name,
            model_name=self.model.model_name,
            serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                memory_size_in_mb=self.memory_size_mb,
                max_concurrency=self.max_concurrency,
                provisioned_concurrency=self.provisioned_concurrency,
            ),
        )


@dataclass(frozen=True)
class AsyncInference:
    """Asynchronous inference: requests queue, results and failures land in S3 (encrypted with `key`)."""

    output_bucket: s3.IBucket
    output_prefix: str
    failure_prefix: str
    key: kms.IKey
    notifications: bool = True
    """SNS success and error topics (encrypted with `key`). Default: True."""
    max_concurrent_invocations_per_instance: int | None = None
    """Default: SageMaker chooses."""


@dataclass(frozen=True)
class DataCapture:
    """Capture of requests and responses to S3 (encrypted with `key`)."""

    bucket: s3.IBucket
    prefix: str
    key: kms.IKey
    sampling_percentage: int = 100
    """Default: 100."""
    capture_input: bool = True
    """Default: True."""
    capture_output: bool = True
    """Default: True."""
    csv_content_types: Sequence[str] = ("text/csv",)
    """Default: text/csv."""
    json_content_types: Sequence[str] = ("application/json",)
    """Default: application/json."""


@runtime_checkable
class IEndpointConfig(Protocol):
    """An endpoint configuration, defined here (`EndpointConfig`) or imported (`EndpointConfig.from_*`)."""

    @property
    def endpoint_config_name(self) -> str: ...
    @property
    def endpoint_config_arn(self) -> str: ...


class _ImportedEndpointConfig(Resource):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, arn: str) -> None:
        super().__init__(scope, construct_id)
        self.endpoint_config_name, self.endpoint_config_arn = name, arn


class EndpointConfig(Resource):
    """An `AWS::SageMaker::EndpointConfig` (id `Resource`) with no physical name: configs are immutable and
    replaced on every change, and a fixed name would collide with its own replacement.

    Give `variants`, `serverless` or `component_host` (exactly one).

    :param variants: 1-10 production variants on instances. Default: none.
    :param serverless: the variant of a serverless endpoint. Default: none.
    :param component_host: the one variant of an endpoint that hosts `InferenceComponent`s (no model; nothing
        else on the endpoint). Needs `execution_role`. Default: none.
    :param execution_role: the role SageMaker uses for the inference components (the config's
        ExecutionRoleArn); only with `component_host`. It also gets the core-dump grants and reads the
        components' rollback alarms. Default: none.
    :param shadow_variants: shadow variants (instance variants only). Default: none.
    :param async_inference: makes the endpoint asynchronous. Default: none (real-time).
    :param data_capture: capture requests and responses to S3. Default: none.
    :param volume_key: encrypts the instances' ML storage volumes. Omitted (and the finding acknowledged) where
        SageMaker rejects a volume key: serverless variants and instance types with local NVMe storage.
        Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        variants: Sequence[InstanceVariant] = (),
        serverless: ServerlessVariant | None = None,
        shadow_variants: Sequence[ShadowVariant] = (),
        async_inference: AsyncInference | None = None,
        data_capture: DataCapture | None = None,
        volume_key: kms.IKey | None = None,
        component_host: ComponentHostVariant | None = None,
        execution_role: SageMakerExecutionRole | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._check(
            variants, serverless, shadow_variants, component_host, execution_role, async_inference, data_capture
        )
        self.is_serverless = serverless is not None
        self.is_async = async_inference is not None
        self.component_host = component_host
        """The component host variant; None unless this config hosts inference components."""
        self.execution_role = execution_role
        self.success_topic: sns.Topic | None = None
        self.error_topic: sns.Topic | None = None
        self._instance_variants: tuple[_InstanceVariantBase, ...] = (*variants, *shadow_variants)
        self._instance_types = tuple(v.instance_type for v in self._instance_variants) + (
            (component_host.instance_type,) if component_host is not None else ()
        )
        models = [v.model for v in ([serverless] if serverless else self._instance_variants)]
        # The roles the models run as: they write async results and captured data, and publish to the topics.
        # A component host has no model: its execution role is the one SageMaker uses.
        roles = [execution_role] if execution_role is not None else [m.role for m in models if m.role is not None]
        self.roles: tuple[SageMakerExecutionRole, ...] = tuple({id(r): r for r in roles}.values())

        if component_host is not None:
            production_variants = [component_host._property()]
        else:
            production_variants = [serverless._property()] if serverless else [v._property() for v in variants]
        shadow = [v._property() for v in shadow_variants] or None
        self.volume_key_used = volume_key is not None and self._volume_kms_allowed()

        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Resource",
            production_variants=production_variants,
            shadow_production_variants=shadow,
            kms_key_id=volume_key.key_arn if volume_key is not None and self.volume_key_used else None,
            async_inference_config=self._async_config(async_inference),
            data_capture_config=self._data_capture(data_capture),
            execution_role_arn=None if execution_role is None else execution_role.role.role_arn,
        )
        keys = {id(k): k for k in (async_inference and async_inference.key, data_capture and data_capture.key) if k}
        for key in keys.values():
            for role in self.roles:
                role.grant_key(key)
        options: list[VariantOptions] = [*self._instance_variants, *filter(None, [component_host])]
        for core_dump in {id(o.core_dump): o.core_dump for o in options if o.core_dump is not None}.values():
            for role in self.roles:
                core_dump.grant_write(role)
        if volume_key is not None and not self.volume_key_used:
            self._acknowledge_no_volume_key()
        self.endpoint_config_name = self.endpoint_config.attr_endpoint_config_name
        self.endpoint_config_arn = self.endpoint_config.ref  # Ref of AWS::SageMaker::EndpointConfig is its ARN
        self.variant_names = tuple(v.variant_name for v in production_variants)
        self.shadow_variant_names = tuple(v.variant_name for v in shadow_variants)
        self.instance_variants: Mapping[str, InstanceVariant] = {v.variant_name: v for v in variants}
        """The production instance variants by name (none for serverless)."""

    @staticmethod
    def from_endpoint_config_name(scope: Construct, construct_id: str, name: str) -> IEndpointConfig:
        """An endpoint config that exists already. Variant lookups and autoscaling are not supported on it."""
        arn = Stack.of(scope).format_arn(
            service="sagemaker",
            resource="endpoint-config",
            resource_name=name,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        return _ImportedEndpointConfig(scope, construct_id, name=name, arn=arn)

    @staticmethod
    def from_endpoint_config_arn(scope: Construct, construct_id: str, arn: str) -> IEndpointConfig:
        name = Stack.of(scope).split_arn(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
        return _ImportedEndpointConfig(scope, construct_id, name=name or arn, arn=arn)

    def _check(
        self,
        variants: Sequence[InstanceVariant],
        serverless: ServerlessVariant | None,
        shadow_variants: Sequence[ShadowVariant],
        component_host: ComponentHostVariant | InstanceVariant | None,
        execution_role: SageMakerExecutionRole | None,
        async_inference: AsyncInference | None,
        data_capture: DataCapture | None,
    ) -> None:
        problems = []
        if component_host is not None:
            problems += self._component_host_problems(
                component_host, variants, serverless, shadow_variants, async_inference
            )
            if execution_role is None:
                problems.append(
                    "execution_role = None: SageMaker runs the inference components with it; allowed: a "
                    "SageMakerExecutionRole"
                )
        elif serverless is None and not variants:
            problems.append("give variants, serverless or component_host, exactly one (got none)")
        if execution_role is not None and component_host is None:
            problems.append(
                "execution_role is set: it is the role of inference components; allowed: only with "
                "component_host (models bring their own roles)"
            )
        problems += [
            str(p)
            for v in (*variants, *shadow_variants)
            if isinstance(v, VariantOptions)
            for p in v._option_problems(f"variant {v.variant_name!r}")
        ]
        wrong = [type(v).__name__ for v in variants if not isinstance(v, InstanceVariant)]
        if wrong:
            problems.append(f"variants must be InstanceVariant values (got {wrong})")
        # The one copy of these rules, shared with the app's config validation.
        found = endpoint_variant_problems(
            variant_names=[v.variant_name for v in variants],
            shadow_variant_names=[v.variant_name for v in shadow_variants],
            serverless_name=None if serverless is None else serverless.variant_name,
            async_inference=async_inference is not None,
        )
        for v in (*variants, *shadow_variants, *([component_host] if component_host is not None else [])):
            found += volume_size_problems(v.volume_size_gb, field=f"variant {v.variant_name!r}.volume_size_gb")
        if async_inference is not None:
            found += async_concurrency_problems(
                async_inference.max_concurrent_invocations_per_instance,
                field="async_inference.max_concurrent_invocations_per_instance",
            )
        if data_capture is not None:
            found += data_capture_problems(
                sampling_percentage=data_capture.sampling_percentage,
                capture_input=data_capture.capture_input,
                capture_output=data_capture.capture_output,
            )
        if serverless is not None:
            found += serverless_capacity_problems(
                memory_size_mb=serverless.memory_size_mb,
                max_concurrency=serverless.max_concurrency,
                provisioned_concurrency=serverless.provisioned_concurrency,
            )
        problems += [str(p) for p in found]
        if serverless is not None:
            model = serverless.model
            # The one copy of this rule, shared with the app's config validation.
            problems += [
                str(problem)
                for problem in serverless_problems(
                    multi_model=model.multi_model, network_isolation=model.network_isolation, in_vpc=model.in_vpc
                )
            ]
        if problems:
            raise PropsError(self, problems)

    @staticmethod
    def _component_host_problems(
        host: ComponentHostVariant | InstanceVariant,
        variants: Sequence[InstanceVariant],
        serverless: ServerlessVariant | None,
        shadow_variants: Sequence[ShadowVariant],
        async_inference: AsyncInference | None,
    ) -> list[str]:
        if not isinstance(host, ComponentHostVariant):
            # An instance variant carries a model; on a component host the components carry them.
            count = host.initial_instance_count
            found = component_host_problems(
                instance_type=host.instance_type,
                initial_instance_count=count,
                min_instance_count=count,
                max_instance_count=count,
                has_model=True,
            )
        else:
            found = host.problems()
        found += component_host_mix_problems(
            other_variants=[v.variant_name for v in variants],
            serverless=serverless is not None,
            async_inference=async_inference is not None,
            shadow_variants=[v.variant_name for v in shadow_variants],
        )
        return [str(p) for p in found]

    def _volume_kms_allowed(self) -> bool:
        if self.is_serverless:
            return False
        return all(accepts_volume_kms_key(t) for t in self._instance_types)

    def _acknowledge_no_volume_key(self) -> None:
        if self.is_serverless:
            reason = (
                "Serverless variant: SageMaker runs it on managed compute with no ML storage volume of ours, "
                "so there is no volume for KmsKeyId to encrypt; model data and captured output stay KMS-encrypted "
                "in S3."
            )
        else:
            local = sorted({t for t in self._instance_types if not accepts_volume_kms_key(t)})
            reason = (
                f"{', '.join(local)} use local NVMe instance storage, which is encrypted in hardware; "
                "CreateEndpointConfig rejects a KmsKeyId for such instance types."
            )
        acknowledge(self.endpoint_config, dict.fromkeys(_VOLUME_KMS_RULES, reason))

    def _async_config(
        self, settings: AsyncInference | None
    ) -> sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty | None:
        if settings is None:
            return None
        notification = None
        if settings.notifications:
            self.success_topic = sns.Topic(self, "SuccessTopic", master_key=settings.key, enforce_ssl=True)
            self.error_topic = sns.Topic(self, "ErrorTopic", master_key=settings.key, enforce_ssl=True)
            for topic in (self.success_topic, self.error_topic):
                for role in self.roles:
                    topic.grant_publish(role.role)
            notification = sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                success_topic=self.success_topic.topic_arn, error_topic=self.error_topic.topic_arn
            )
        client = None
        if settings.max_concurrent_invocations_per_instance is not None:
            client = sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                max_concurrent_invocations_per_instance=settings.max_concurrent_invocations_per_instance
            )
        return sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
            output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                s3_output_path=settings.output_bucket.s3_url_for_object(settings.output_prefix),
                s3_failure_path=settings.output_bucket.s3_url_for_object(settings.failure_prefix),
                kms_key_id=settings.key.key_arn,
                notification_config=notification,
            ),
            client_config=client,
        )

    @staticmethod
    def _data_capture(capture: DataCapture | None) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | None:
        if capture is None:
            return None
        modes = [mode for mode, on in (("Input", capture.capture_input), ("Output", capture.capture_output)) if on]
        return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            enable_capture=True,
            initial_sampling_percentage=capture.sampling_percentage,
            destination_s3_uri=capture.bucket.s3_url_for_object(capture.prefix),
            kms_key_id=capture.key.key_arn,
            capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes],
            capture_content_type_header=sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
                csv_content_types=list(capture.csv_content_types) or None,
                json_content_types=list(capture.json_content_types) or None,
            ),
        )


def _seconds(duration: Duration | None) -> int | None:
    return None if duration is None else int(duration.to_seconds())


AnyVariant = InstanceVariant | ServerlessVariant | ShadowVariant | ComponentHostVariant
