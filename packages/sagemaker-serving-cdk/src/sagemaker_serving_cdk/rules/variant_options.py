"""Options of an instance variant or component host: request routing, the AMI version, SSM access.

Values from the CreateEndpointConfig API reference (ProductionVariant: RoutingConfig, InferenceAmiVersion,
EnableSSMAccess); the AMI versions are generated from botocore (`_data/inference_ami_versions.py`).
"""

from __future__ import annotations

from sagemaker_serving_cdk._data.inference_ami_versions import InferenceAmiVersion
from sagemaker_serving_cdk.rules.problems import Problem

# PREFIX_AWARE and KV_AWARE exist too, but need their own routing configs: not offered here.
ROUTING_STRATEGIES = ("LEAST_OUTSTANDING_REQUESTS", "RANDOM")
INFERENCE_AMI_VERSIONS = tuple(v.value for v in InferenceAmiVersion)


def variant_option_problems(
    *, routing: str | None = None, inference_ami_version: str | None = None, field: str = "variant"
) -> list[Problem]:
    """The routing strategy and AMI version are values SageMaker accepts (None: SageMaker's default)."""
    problems = []
    if routing is not None and routing not in ROUTING_STRATEGIES:
        problems.append(Problem(f"{field}.routing", routing, " or ".join(ROUTING_STRATEGIES), "not a routing strategy"))
    if inference_ami_version is not None and inference_ami_version not in INFERENCE_AMI_VERSIONS:
        problems.append(
            Problem(
                f"{field}.inference_ami_version",
                inference_ami_version,
                ", ".join(INFERENCE_AMI_VERSIONS),
                "not an InferenceAmiVersion of CreateEndpointConfig",
            )
        )
    return problems


def ssm_access_problems(
    enable_ssm_access: bool | None, *, production: bool, field: str = "enable_ssm_access"
) -> list[Problem]:
    """A shell on the inference containers (SSM) is for debugging, not for production environments."""
    if enable_ssm_access and production:
        return [
            Problem(
                field,
                True,
                "False in an environment marked production",
                "SSM sessions give a shell inside the serving containers",
            )
        ]
    return []
