"""Options every instance variant and component host takes: request routing, AMI pinning, SSM access and
core dumps. Each defaults to SageMaker's behaviour and then leaves the template unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from aws_cdk import aws_iam as iam, aws_kms as kms, aws_s3 as s3, aws_sagemaker as sagemaker

from sagemaker_serving_cdk._data.inference_ami_versions import InferenceAmiVersion
from sagemaker_serving_cdk.execution_role import SageMakerExecutionRole
from sagemaker_serving_cdk.rules.problems import Problem
from sagemaker_serving_cdk.rules.variant_options import variant_option_problems


class RoutingStrategy(str, Enum):
    """How SageMaker picks the instance (or copy) for a request."""

    LEAST_OUTSTANDING_REQUESTS = "LEAST_OUTSTANDING_REQUESTS"
    """The instance with the fewest requests in flight: better tail latency for uneven request costs."""
    RANDOM = "RANDOM"
    """SageMaker's default."""


@dataclass(frozen=True)
class CoreDump:
    """Where SageMaker writes a crashed container's core dump: `s3://<bucket>/<prefix>`, encrypted with `key`.

    The config's execution roles get `s3:PutObject` under the prefix and `kms:GenerateDataKey`/`kms:Encrypt`
    on the key (the CoreDumpConfig reference asks for kms:Encrypt).
    """

    bucket: s3.IBucket
    prefix: str
    key: kms.IKey

    def _property(self) -> sagemaker.CfnEndpointConfig.CoreDumpConfigProperty:
        return sagemaker.CfnEndpointConfig.CoreDumpConfigProperty(
            destination_s3_uri=self.bucket.s3_url_for_object(self.prefix), kms_key_id=self.key.key_arn
        )

    def grant_write(self, role: SageMakerExecutionRole) -> None:
        objects = self.bucket.arn_for_objects(f"{self.prefix}*")
        iam.Grant.add_to_principal(grantee=role.role, actions=["s3:PutObject"], resource_arns=[objects])
        role.acknowledge_object_wildcard(objects, "writes core dumps of crashed containers under one prefix")
        self.key.grant(role.role, "kms:GenerateDataKey", "kms:Encrypt")


@dataclass(frozen=True, kw_only=True)
class VariantOptions:
    """The options (keyword-only) of `InstanceVariant`, `ShadowVariant` and `ComponentHostVariant`."""

    routing: RoutingStrategy | None = None
    """Default: SageMaker's (RANDOM)."""
    inference_ami_version: InferenceAmiVersion | None = None
    """Pins the instances' AMI (driver and CUDA/Neuron versions). Default: SageMaker's current AMI."""
    enable_ssm_access: bool | None = None
    """A shell in the containers through SSM, for debugging. Default: SageMaker's (off)."""
    core_dump: CoreDump | None = None
    """Default: no core dumps."""

    def _option_problems(self, field: str) -> list[Problem]:
        # Plain strings are accepted too (the enums are str): the rule reports a wrong one.
        return variant_option_problems(
            routing=option_value(self.routing),
            inference_ami_version=option_value(self.inference_ami_version),
            field=field,
        )

    def _options(self) -> dict[str, Any]:
        """ProductionVariantProperty keyword arguments; None leaves the property out of the template."""
        routing = option_value(self.routing)
        return {
            "routing_config": None
            if routing is None
            else sagemaker.CfnEndpointConfig.RoutingConfigProperty(routing_strategy=routing),
            "inference_ami_version": option_value(self.inference_ami_version),
            "enable_ssm_access": self.enable_ssm_access,
            "core_dump_config": None if self.core_dump is None else self.core_dump._property(),
        }


def option_value(option: str | Enum | None) -> str | None:
    if option is None:
        return None
    return str(option.value) if isinstance(option, Enum) else str(option)


__all__ = ["CoreDump", "InferenceAmiVersion", "RoutingStrategy", "VariantOptions"]
