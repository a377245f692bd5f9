"""The variant of an endpoint that hosts inference components: instances with no model, sized by managed
instance scaling. The models come with the `InferenceComponent`s placed on it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from aws_cdk import Duration, aws_sagemaker as sagemaker

from sagemaker_serving_cdk.rules.component_host import component_host_problems
from sagemaker_serving_cdk.rules.problems import Problem
from sagemaker_serving_cdk.variant_options import VariantOptions, option_value


class ScaleInStrategy(str, Enum):
    IDLE_RELEASE = "IDLE_RELEASE"
    """Release instances that no component copy uses."""
    CONSOLIDATION = "CONSOLIDATION"
    """Also move copies together so that whole instances can be released."""


@dataclass(frozen=True)
class ScaleInPolicy:
    """How managed instance scaling gives instances back."""

    strategy: ScaleInStrategy = ScaleInStrategy.IDLE_RELEASE
    """Default: IDLE_RELEASE."""
    cooldown: Duration | None = None
    """Wait between scale-ins (5-1440 minutes). Default: SageMaker's."""
    maximum_step_size: int | None = None
    """Most instances released at once. Default: SageMaker's."""


@dataclass(frozen=True)
class ManagedInstanceScaling:
    """SageMaker adds instances when component copies do not fit and releases idle ones.

    `min_instance_count=0` lets the endpoint release every instance once all components scale to zero copies
    (`InferenceComponent.auto_scale_copy_count(min_capacity=0)`); the first request then waits for an instance
    and a copy to start.
    """

    max_instance_count: int
    min_instance_count: int = 1
    """Default: 1 (0 scales the endpoint to zero instances)."""
    scale_in_policy: ScaleInPolicy | None = None
    """Default: SageMaker's."""

    def _property(self) -> sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty:
        policy = self.scale_in_policy
        return sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
            status="ENABLED",
            min_instance_count=self.min_instance_count,
            max_instance_count=self.max_instance_count,
            scale_in_policy=None
            if policy is None
            else sagemaker.CfnEndpointConfig.ScaleInPolicyProperty(
                strategy=str(option_value(policy.strategy)),
                cooldown_in_minutes=None if policy.cooldown is None else int(policy.cooldown.to_minutes()),
                maximum_step_size=policy.maximum_step_size,
            ),
        )


@dataclass(frozen=True)
class ComponentHostVariant(VariantOptions):
    """The one variant of an endpoint that hosts `InferenceComponent`s: instances, and no model.

    Pass it as `EndpointConfig(component_host=..., execution_role=...)`.
    """

    instance_type: str
    variant_name: str = "AllTraffic"
    """Components name it (`InferenceComponent(variant_name=...)`). Default: AllTraffic."""
    initial_instance_count: int = 1
    """Default: 1."""
    managed_scaling: ManagedInstanceScaling | None = None
    """Default: none (a fixed fleet of `initial_instance_count` instances)."""
    volume_size_gb: int | None = None
    """ML storage volume per instance (EBS-backed types only). Default: SageMaker's default for the type."""

    @property
    def max_instance_count(self) -> int:
        """The most instances the components can be placed on."""
        return self.initial_instance_count if self.managed_scaling is None else self.managed_scaling.max_instance_count

    def problems(self, field: str = "component_host") -> list[Problem]:
        scaling = self.managed_scaling
        policy = scaling and scaling.scale_in_policy
        cooldown = policy.cooldown if policy else None
        return [
            *component_host_problems(
                instance_type=self.instance_type,
                initial_instance_count=self.initial_instance_count,
                min_instance_count=scaling.min_instance_count if scaling else self.initial_instance_count,
                max_instance_count=self.max_instance_count,
                scale_in_strategy=option_value(policy.strategy) if policy else None,
                scale_in_cooldown_minutes=None if cooldown is None else int(cooldown.to_minutes()),
                scale_in_maximum_step_size=policy.maximum_step_size if policy else None,
                field=field,
            ),
            *self._option_problems(field),
        ]

    def _property(self) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=self.variant_name,
            instance_type=self.instance_type,
            initial_instance_count=self.initial_instance_count,
            volume_size_in_gb=self.volume_size_gb,
            managed_instance_scaling=None if self.managed_scaling is None else self.managed_scaling._property(),
            **self._options(),
        )


__all__ = ["ComponentHostVariant", "ManagedInstanceScaling", "ScaleInPolicy", "ScaleInStrategy"]
