"""Settings of the Serving stack: the models, and the endpoints that serve them, one module per concern.

Each section validates itself through the construct library's pure rules (sagemaker_serving_cdk.rules), the same
functions the constructs call, so a rule lives once. Cross-field rules live in model validators whose messages
show the values involved. Everything is re-exported here: `from config.serving import X` keeps working.
"""

from config.serving.names import (
    LocalName, MAX_SMOKE_BODY_BYTES, MimeType, RelativePath, S3Key, S3Prefix, DeploymentTimeoutSeconds, StartupTimeoutSeconds, VariantName, WaitSeconds,
)
from config.serving.images import AssetImageSettings, EcrImageSettings, FrameworkImageSettings, ImageSettings
from config.serving.models import HandlerSettings, ModelSettings, SmokeRequest, VpcSettings
from config.serving.scaling import AutoscalingSettings, ScheduledScalingSettings
from config.serving.variant_options import VariantOptions, core_dump_prefix
from config.serving.variants import InstanceVariantSettings, ServerlessVariantSettings
from config.serving.rolling import ComponentDeploymentSettings, ComponentRollingUpdate, InstanceRollingUpdate
from config.serving.components import (
    ComponentAutoscalingSettings, ComponentHostSettings, ComponentSettings, ManagedScalingSettings,
)
from config.serving.endpoints import (
    AsyncInferenceSettings, AsyncPaths, DataCaptureSettings, DeploymentSettings, EndpointAlarmSettings,
    EndpointSettings, async_paths,
)
from config.serving.section import ServingConfig

__all__ = [
    "AssetImageSettings", "AsyncInferenceSettings", "AsyncPaths", "AutoscalingSettings",
    "ComponentAutoscalingSettings", "ComponentDeploymentSettings", "ComponentHostSettings", "ComponentRollingUpdate",
    "ComponentSettings", "InstanceRollingUpdate", "ManagedScalingSettings", "VariantOptions",
    "core_dump_prefix",
    "DataCaptureSettings", "DeploymentSettings", "EcrImageSettings", "EndpointAlarmSettings",
    "EndpointSettings", "FrameworkImageSettings", "HandlerSettings", "ImageSettings",
    "InstanceVariantSettings", "LocalName", "MAX_SMOKE_BODY_BYTES", "MimeType",
    "ModelSettings", "RelativePath", "S3Key", "S3Prefix",
    "ScheduledScalingSettings", "ServerlessVariantSettings", "ServingConfig", "SmokeRequest",
    "VariantName", "VpcSettings", "async_paths", "DeploymentTimeoutSeconds", "StartupTimeoutSeconds", "WaitSeconds",
]
