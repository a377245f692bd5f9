"""Options of any variant on instances (instance variants and a component host): how requests are routed among its
instances, a pinned inference AMI, SSM access to its instances, and core dumps to the output bucket."""

from __future__ import annotations

from typing import Annotated, Optional

from config.base import Section, by_rule
from sagemaker_serving_cdk.rules.variant_options import variant_option_problems

# The strategies and AMI versions SageMaker accepts are the library's (rules.variant_options; the AMI versions
# generated from botocore), so config needs no botocore at synth.
RoutingStrategy = Annotated[str, by_rule(lambda value: variant_option_problems(routing=value))]
InferenceAmiVersion = Annotated[str, by_rule(lambda value: variant_option_problems(inference_ami_version=value))]

CORE_DUMP_PREFIX = "core-dumps/"


def core_dump_prefix(endpoint: str) -> str:
    """The one place the core-dump location is decided: `core-dumps/<endpoint>/` in the output bucket, written with the
    data key. The endpoint config and the execution role's grant use it."""
    return f"{CORE_DUMP_PREFIX}{endpoint}/"


class VariantOptions(Section):
    """Per-variant options shared by instance variants and component hosts. Default: SageMaker's behaviour."""

    routing: Optional[RoutingStrategy] = None
    """How the variant's instances share requests. LEAST_OUTSTANDING_REQUESTS suits requests of uneven duration
    (large models, generation); default: SageMaker's RANDOM."""
    inference_ami_version: Optional[InferenceAmiVersion] = None
    """Pin the instances' AMI (GPU driver and CUDA versions), e.g. al2-ami-sagemaker-inference-gpu-2. Default: the
    AMI SageMaker picks for the instance type."""
    enable_ssm_access: bool = False
    """True: operators may open an SSM session on the variant's instances (debugging). Refused in environments
    marked `production`."""
    core_dump: bool = False
    """True: container core dumps go to the output bucket under core-dumps/<endpoint>/, encrypted with the data key."""

