"""What SageMaker instance types allow, known at synth time (no API calls).

- Which types exist, per use: generated from botocore's SageMaker API model (`_data/instance_types.py`).
- Instance types with local NVMe instance storage encrypt it in hardware; CreateEndpointConfig rejects a
  volume `KmsKeyId` when any variant uses one, and CreateTransformJob a `VolumeKmsKeyId` ("You can't request a
  KmsKeyId when using an instance type with local storage", API references).
- Application Auto Scaling rejects burstable `ml.t*` variants (ARCHITECTURE 6.12).
- vCPUs, memory and GPUs per type: generated from AWS's EC2 price-list attributes as Apache Libcloud ships them
  (`_data/instance_specs.py`); a type the source has no row for has no spec, and rules say so instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from sagemaker_serving_cdk._data.instance_specs import INSTANCE_SPECS
from sagemaker_serving_cdk._data.instance_types import REAL_TIME_INSTANCE_TYPES, TRANSFORM_INSTANCE_TYPES
from sagemaker_serving_cdk.rules.problems import Problem

Use = Literal["real-time", "transform"]
INSTANCE_TYPES: dict[str, frozenset[str]] = {
    "real-time": frozenset(REAL_TIME_INSTANCE_TYPES),
    "transform": frozenset(TRANSFORM_INSTANCE_TYPES),
}
_API = {"real-time": "CreateEndpointConfig", "transform": "CreateTransformJob"}

_INSTANCE_TYPE = re.compile(r"^ml\.(?P<family>[a-z][a-z0-9-]*)\.(?P<size>[a-z0-9]+)$")

# No package ships per-type instance storage (EC2 DescribeInstanceTypes does; DESIGN.md section 1), so this is
# the one hand-kept rule: families whose attribute letters contain "d" (m5d, c6gd, r7gd, g4dn, p3dn, p4d, p4de)
# are recognised by name; these have NVMe instance store without a "d" in it, per the EC2 instance type
# specifications (Accelerated computing: "Instance storage"): g5, g6, g6e, gr6, p5*, trn*, dl1, p6-b200,
# p6-b300, p6e-gb200. g7/g7e are not listed until their storage is confirmed from that source.
_NVME_FAMILIES_WITHOUT_D = frozenset(
    {
        "dl1",
        "g5",
        "g6",
        "g6e",
        "gr6",
        "p5",
        "p5e",
        "p5en",
        "p6-b200",
        "p6-b300",
        "p6e-gb200",
        "trn1",
        "trn1n",
        "trn2",
    }
)


def instance_family(instance_type: str) -> str:
    """`ml.m5d.large` -> `m5d`. Raises ValueError for anything that is not an `ml.<family>.<size>` type."""
    match = _INSTANCE_TYPE.match(instance_type)
    if not match:
        raise ValueError(
            f"instance type {instance_type!r} is not a SageMaker instance type; expected ml.<family>.<size>, "
            "e.g. ml.m5.large"
        )
    return match.group("family")


def instance_type_problems(value: str, use: Use = "real-time", *, field: str = "instance_type") -> list[Problem]:
    """The type is one SageMaker's API accepts for `use` (real-time endpoints or batch transform)."""
    known = INSTANCE_TYPES[use]
    if value in known:
        return []
    match = _INSTANCE_TYPE.match(value)
    family = match.group("family") if match else None
    sizes = sorted(t.split(".")[2] for t in known if t.split(".")[1] == family)
    if sizes:
        allowed = f"{family} sizes for {use}: {', '.join(sizes)}"
        message = f"{_API[use]} offers no such size of {family}"
    else:
        families = sorted({t.split(".")[1] for t in known})
        allowed = f"ml.<family>.<size> with family one of {', '.join(families)}"
        message = f"not a SageMaker instance type for {use} ({_API[use]})"
    return [Problem(field, value, allowed, message)]


@dataclass(frozen=True)
class InstanceSpec:
    """What one instance of a type offers. `gpus` is None for ML ASICs (Inferentia, Trainium, Gaudi), whose
    device count the source does not give; `instance_storage` is the price list's view (see has_instance_storage)."""

    vcpus: int
    memory_mib: int
    gpus: int | None
    instance_storage: bool


def instance_spec(instance_type: str) -> InstanceSpec | None:
    """The type's vCPUs, memory and GPUs; None when the source has no row for it (e.g. types newer than it)."""
    # Generated rows: their keys are InstanceSpec's fields (mypy sees the mixed values as object).
    row = cast("dict[str, Any] | None", INSTANCE_SPECS.get(instance_type))
    return None if row is None else InstanceSpec(**row)


def vcpu_count(instance_type: str) -> int:
    """vCPUs of a SageMaker instance type. Raises ValueError, naming the source, for a type it does not list."""
    spec = instance_spec(instance_type)
    if spec is None:
        raise ValueError(
            f"no vCPU count for {instance_type!r}: the instance-spec table (_data/instance_specs.py, from AWS's EC2 "
            "price list) has no row for it; pick a listed type or regenerate the table when its source lists it"
        )
    return spec.vcpus


def has_instance_storage(instance_type: str) -> bool:
    """True when the type has local NVMe storage, so a volume KMS key must not be requested."""
    family = instance_family(instance_type)
    if family in _NVME_FAMILIES_WITHOUT_D:
        return True
    generation = re.match(r"^[a-z]+\d+(?P<attributes>[a-z]*)(-[a-z0-9]+)?$", family)
    return bool(generation and "d" in generation.group("attributes"))


def accepts_volume_kms_key(instance_type: str) -> bool:
    """True when an endpoint config or transform job that uses this type may set a volume KMS key."""
    return not has_instance_storage(instance_type)


def volume_key_problems(instance_type: str, *, field: str, value: object, fix: str) -> list[Problem]:
    """A volume KMS key (or a volume size) was asked for on a type whose storage is local NVMe."""
    if not has_instance_storage(instance_type):
        return []
    return [
        Problem(
            field,
            value,
            fix,
            f"{instance_type} has local NVMe storage, encrypted in hardware, and takes no EBS volume settings",
        )
    ]


def is_burstable(instance_type: str) -> bool:
    """`ml.t2.medium`, `ml.t3.large`: burstable types, which Application Auto Scaling rejects."""
    return re.match(r"^t\d", instance_family(instance_type)) is not None
