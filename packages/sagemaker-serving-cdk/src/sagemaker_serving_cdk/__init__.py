"""AWS CDK constructs for SageMaker inference.

The public API is importable from here. It loads lazily (PEP 562): importing a pure submodule (such as the
rules) does not import aws_cdk, so validating config does not boot jsii's Node process.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "model": ("ContainerImage", "IModel", "Model", "ModelData"),
    "endpoint_config": (
        "AsyncInference",
        "DataCapture",
        "EndpointConfig",
        "IEndpointConfig",
        "InstanceVariant",
        "ServerlessVariant",
        "ShadowVariant",
    ),
    "endpoint": (
        "BlueGreenDeployment",
        "CapacitySize",
        "Endpoint",
        "EndpointVariant",
        "HealthAlarms",
        "IEndpoint",
        "RollingDeployment",
        "TrafficRouting",
    ),
    "component_host": ("ComponentHostVariant", "ManagedInstanceScaling", "ScaleInPolicy", "ScaleInStrategy"),
    "variant_options": ("CoreDump", "InferenceAmiVersion", "RoutingStrategy", "VariantOptions"),
    "scaling": ("ScalableInstanceCount",),
    "inference_component": ("ComputeRequirements", "IInferenceComponent", "InferenceComponent"),
    "component_scaling": ("ScalableCopyCount",),
    "batch": ("Retry", "ScheduleOptions", "ScheduledBatchTransform", "TransformOptions"),
    "alarms": ("EndpointAlarmThresholds", "EndpointAlarms", "NoTraffic"),
    "severity_alarms": ("AlarmLevels", "SeverityAlarms"),
    "execution_role": ("SageMakerExecutionRole",),
    "naming": ("name_in_stack", "path_in_stage"),
    "errors": ("PropsError",),
    "buckets": ("BucketLayout", "DataBuckets", "SecureBucket"),
    "encryption": ("EncryptionKey",),
    "registry": ("ModelRegistry",),
    "topic": ("AlarmTopic", "ServicePublisher", "cloudwatch_alarms"),
    "deployment_events": ("DeploymentStateEvents",),
    "_acknowledge": ("acknowledge", "nag_reference"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
