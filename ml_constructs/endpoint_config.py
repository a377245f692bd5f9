"""An endpoint configuration: instance or serverless variants, async inference, data capture, volume KMS."""

from __future__ import annotations

from typing import Mapping, Optional

from aws_cdk import aws_kms as kms, aws_s3 as s3, aws_sagemaker as sagemaker, aws_sns as sns
from constructs import Construct

from config.serving import EndpointSettings, InstanceVariantSettings, async_paths
from ml_constructs.acknowledgments import acknowledge
from ml_constructs.buckets import BucketLayout
from ml_constructs.execution_role import SageMakerExecutionRole
from ml_constructs.instance_types import accepts_volume_kms_key
from ml_constructs.model import SageMakerModel

_VOLUME_KMS_RULES = (
    "AwsSolutions-SM2",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
)


class EndpointConfiguration(Construct):
    """An `AWS::SageMaker::EndpointConfig` (id `Resource`) with no physical name: configs are immutable and
    replaced on every change, and a fixed name would collide with its own replacement.

    :param settings: variants and features (config.serving.EndpointSettings, validated there).
    :param models: the models variants refer to, by the names used in `settings`.
    :param role: the models' execution role; gets publish rights on the async topics and use of `data_key`.
    :param label: a lower-case name for this endpoint's S3 prefixes, e.g. `realtime`.
    :param volume_key: encrypts the instances' ML storage volumes. Ignored (and acknowledged) where SageMaker
        rejects a volume key: serverless variants and instance types with local NVMe storage. Default: none.
    :param output_bucket: where async results and data capture go. Required for either.
    :param data_key: encrypts async results, captured data and the async SNS topics. Required with output_bucket.
    :param layout: the bucket folder conventions. Default: BucketLayout().
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EndpointSettings,
        models: Mapping[str, SageMakerModel],
        role: SageMakerExecutionRole,
        label: str,
        volume_key: Optional[kms.IKey] = None,
        output_bucket: Optional[s3.IBucket] = None,
        data_key: Optional[kms.IKey] = None,
        layout: BucketLayout = BucketLayout(),
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.role = role
        self._check_references(settings, models)
        needs_output = settings.async_inference is not None or settings.data_capture is not None
        if needs_output and (output_bucket is None or data_key is None):
            raise ValueError(
                f"{self.node.path}: async inference and data capture write to the output bucket; pass output_bucket and data_key"
            )
        self.is_serverless = settings.serverless is not None
        self.is_async = settings.async_inference is not None
        self.success_topic: Optional[sns.Topic] = None
        self.error_topic: Optional[sns.Topic] = None

        production_variants = (
            [self._serverless_variant(models)] if self.is_serverless
            else [self._instance_variant(v, models) for v in settings.variants]
        )
        shadow = [self._instance_variant(settings.shadow_variant, models)] if settings.shadow_variant else None
        self.volume_key_used = volume_key is not None and self._volume_kms_allowed()

        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Resource",
            production_variants=production_variants,
            shadow_production_variants=shadow,
            kms_key_id=volume_key.key_arn if self.volume_key_used else None,
            async_inference_config=self._async_config(label, output_bucket, data_key, role),
            data_capture_config=self._data_capture(label, output_bucket, data_key, layout),
        )
        if needs_output:
            role.grant_key(data_key)
        if volume_key is not None and not self.volume_key_used:
            self._acknowledge_no_volume_key()
        self.endpoint_config_name = self.endpoint_config.attr_endpoint_config_name
        self.variant_names = tuple(v.variant_name for v in production_variants)

    def _check_references(self, settings: EndpointSettings, models: Mapping[str, SageMakerModel]) -> None:
        missing = sorted(set(settings.model_names) - set(models))
        if missing:
            raise ValueError(f"{self.node.path}: variants use undefined models {missing}; defined: {sorted(models)}")
        if settings.serverless is not None:
            model = models[settings.serverless.model]
            if model.multi_model or model.network_isolation or model.in_vpc:
                raise ValueError(
                    f"{self.node.path}: serverless endpoints support no multi-model mode, network isolation or VPC; "
                    f"model {settings.serverless.model!r} has multi_model={model.multi_model}, "
                    f"network_isolation={model.network_isolation}, in_vpc={model.in_vpc}"
                )

    def _instance_variant(self, variant: InstanceVariantSettings, models: Mapping[str, SageMakerModel]):
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=variant.name,
            model_name=models[variant.model].model_name,
            instance_type=variant.instance_type,
            initial_instance_count=variant.initial_instance_count,
            initial_variant_weight=variant.weight,
            volume_size_in_gb=variant.volume_size_gb,
            container_startup_health_check_timeout_in_seconds=variant.container_startup_health_check_timeout_seconds,
            model_data_download_timeout_in_seconds=variant.model_data_download_timeout_seconds,
        )

    def _serverless_variant(self, models: Mapping[str, SageMakerModel]):
        serverless = self.settings.serverless
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=serverless.name,
            model_name=models[serverless.model].model_name,
            serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                memory_size_in_mb=serverless.memory_size_mb,
                max_concurrency=serverless.max_concurrency,
                provisioned_concurrency=serverless.provisioned_concurrency,
            ),
        )

    def _volume_kms_allowed(self) -> bool:
        if self.is_serverless:
            return False
        return all(accepts_volume_kms_key(v.instance_type) for v in self.settings.all_instance_variants)

    def _acknowledge_no_volume_key(self) -> None:
        if self.is_serverless:
            reason = ("Serverless variant: SageMaker runs it on managed compute with no ML storage volume of ours, "
                      "so there is no volume for KmsKeyId to encrypt; model data and captured output stay KMS-encrypted in S3.")
        else:
            local = sorted({v.instance_type for v in self.settings.all_instance_variants
                            if not accepts_volume_kms_key(v.instance_type)})
            reason = (f"{', '.join(local)} use local NVMe instance storage, which is encrypted in hardware; "
                      "CreateEndpointConfig rejects a KmsKeyId for such instance types.")
        acknowledge(self.endpoint_config, {rule: reason for rule in _VOLUME_KMS_RULES})

    def _async_config(self, label, output_bucket, data_key, role):
        settings = self.settings.async_inference
        if settings is None:
            return None
        paths = async_paths(label, settings)
        notification = None
        if settings.notifications:
            self.success_topic = sns.Topic(self, "SuccessTopic", master_key=data_key, enforce_ssl=True)
            self.error_topic = sns.Topic(self, "ErrorTopic", master_key=data_key, enforce_ssl=True)
            for topic in (self.success_topic, self.error_topic):
                topic.grant_publish(role.role)
            notification = sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                success_topic=self.success_topic.topic_arn, error_topic=self.error_topic.topic_arn)
        client = None
        if settings.max_concurrent_invocations_per_instance is not None:
            client = sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                max_concurrent_invocations_per_instance=settings.max_concurrent_invocations_per_instance)
        return sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
            output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                s3_output_path=output_bucket.s3_url_for_object(paths.output_prefix),
                s3_failure_path=output_bucket.s3_url_for_object(paths.failure_prefix),
                kms_key_id=data_key.key_arn,
                notification_config=notification,
            ),
            client_config=client,
        )

    def _data_capture(self, label, output_bucket, data_key, layout):
        capture = self.settings.data_capture
        if capture is None:
            return None
        modes = [mode for mode, on in (("Input", capture.capture_input), ("Output", capture.capture_output)) if on]
        return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            enable_capture=True,
            initial_sampling_percentage=capture.sampling_percentage,
            destination_s3_uri=output_bucket.s3_url_for_object(capture.prefix or f"{layout.data_capture_prefix}{label}/"),
            kms_key_id=data_key.key_arn,
            capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes],
            capture_content_type_header=sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
                csv_content_types=list(capture.csv_content_types) or None,
                json_content_types=list(capture.json_content_types) or None,
            ),
        )
