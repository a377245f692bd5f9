"""Options of any variant on instances (instance variants and a component host): how requests are routed among its
instances, a pinned inference AMI, SSM access to its instances, and core dumps to the output bucket."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, Optional

import botocore.session
from pydantic import field_validator

from config.base import Section

# RoutingConfig.RoutingStrategy values this project configures. botocore also lists PREFIX_AWARE and KV_AWARE,
# which need settings of their own (PrefixAwareRoutingConfig) that config does not model.
RoutingStrategy = Literal["LEAST_OUTSTANDING_REQUESTS", "RANDOM"]

CORE_DUMP_PREFIX = "core-dumps/"


def core_dump_prefix(endpoint: str) -> str:
    """The one place the core-dump location is decided: `core-dumps/<endpoint>/` in the output bucket, written with the
    data key. The endpoint config and the execution role's grant use it."""
    return f"{CORE_DUMP_PREFIX}{endpoint}/"


@lru_cache(maxsize=1)
def inference_ami_versions() -> tuple[str, ...]:
    """The AMI versions CreateEndpointConfig accepts, from botocore's SageMaker model (the API's own enum)."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return tuple(model.shape_for("ProductionVariantInferenceAmiVersion").enum)


class VariantOptions(Section):
    """Per-variant options shared by instance variants and component hosts. Default: SageMaker's behaviour."""

    routing: Optional[RoutingStrategy] = None
    """How the variant's instances share requests. LEAST_OUTSTANDING_REQUESTS suits requests of uneven duration
    (large models, generation); default: SageMaker's RANDOM."""
    inference_ami_version: Optional[str] = None
    """Pin the instances' AMI (GPU driver and CUDA versions), e.g. al2-ami-sagemaker-inference-gpu-2. Default: the
    AMI SageMaker picks for the instance type."""
    enable_ssm_access: bool = False
    """True: operators may open an SSM session on the variant's instances (debugging). Refused in environments
    marked `production`."""
    core_dump: bool = False
    """True: container core dumps go to the output bucket under core-dumps/<endpoint>/, encrypted with the data key."""

    @field_validator("inference_ami_version")
    @classmethod
    def _known_ami(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and value not in inference_ami_versions():
            raise ValueError(f"not an inference AMI version CreateEndpointConfig accepts; allowed: "
                             f"{', '.join(inference_ami_versions())}")
        return value
