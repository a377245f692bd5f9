"""Name and value types shared by the serving sections, and their limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from config.base import by_rule, field_problem
from sagemaker_serving_cdk.rules.component_spec import startup_timeout_problems
from sagemaker_serving_cdk.rules.deployment import timing_problems
from sagemaker_serving_cdk.rules.instances import instance_type_problems



# SageMaker name rules (variant names) and our own for the keys of `models` and `endpoints`.
VariantName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")]
LocalName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
S3Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.*'()/-]+$", min_length=1, max_length=1024)]
S3Prefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.*'()/-]*/$", max_length=512)]
RelativePath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$")]
# Limits of the API, held by the library's rules.
WaitSeconds = Annotated[int, by_rule(lambda seconds: timing_problems(seconds, field=""))]
"""A deployment's wait: between steps or batches, or before the old fleet goes."""
DeploymentTimeoutSeconds = Annotated[int, by_rule(lambda seconds: timing_problems(None, seconds, field=""))]
StartupTimeoutSeconds = Annotated[int, by_rule(lambda seconds: startup_timeout_problems(seconds, field=""))]
"""Container startup health check and model data download timeouts (ProductionVariant, inference components)."""
# A MIME type with optional parameters, as the handler reads Content-Type/Accept (`text/csv; header=present`).
MimeType = Annotated[str, StringConstraints(
    pattern=r"^[a-z]+/[a-z0-9.+-]+(\s*;\s*[a-z0-9-]+=[A-Za-z0-9.-]+)*$", max_length=256)]
# Real-time endpoints accept up to 6 MB (ARCHITECTURE 6.8); a smoke request is a sample, kept far smaller.
MAX_SMOKE_BODY_BYTES = 64 * 1024


def _real_time_instance_type(value: str) -> str:
    field_problem(instance_type_problems(value, "real-time"))
    return value


RealTimeInstanceType = Annotated[str, AfterValidator(_real_time_instance_type)]
"""A type CreateEndpointConfig accepts (botocore's ProductionVariantInstanceType)."""
