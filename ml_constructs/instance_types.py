"""What SageMaker instance types allow, known at synth time (no API calls).

Two facts the constructs need:
- Instance types with local NVMe instance storage encrypt it in hardware, and CreateEndpointConfig
  rejects a volume `KmsKeyId` when any variant uses one ("You can't request a KmsKeyId when using an
  instance type with local storage", CreateEndpointConfig API reference).
- Application Auto Scaling rejects burstable `ml.t*` variants (guide 6.9).
"""

from __future__ import annotations

import re

_INSTANCE_TYPE = re.compile(r"^ml\.(?P<family>[a-z][a-z0-9-]*)\.(?P<size>[a-z0-9]+)$")

# Families with instance storage whose name has no "d" marker (g5, p5, trn1, ...). Families whose
# attribute letters contain "d" (m5d, c6id, r6id, m6gd, g4dn, p3dn, p4d, p4de) are recognised by name.
_NVME_FAMILIES_WITHOUT_D = frozenset({"g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "trn1", "trn1n", "trn2"})


def instance_family(instance_type: str) -> str:
    """`ml.m5d.large` -> `m5d`. Raises ValueError for anything that is not an `ml.<family>.<size>` type."""
    match = _INSTANCE_TYPE.match(instance_type)
    if not match:
        raise ValueError(
            f"instance type {instance_type!r} is not a SageMaker instance type; expected ml.<family>.<size>, "
            "e.g. ml.m5.large"
        )
    return match.group("family")


def has_instance_storage(instance_type: str) -> bool:
    """True when the type has local NVMe storage, so a volume KMS key must not be requested."""
    family = instance_family(instance_type)
    if family in _NVME_FAMILIES_WITHOUT_D:
        return True
    generation = re.match(r"^[a-z]+\d+(?P<attributes>[a-z-]*)$", family)
    return bool(generation and "d" in generation.group("attributes"))


def accepts_volume_kms_key(instance_type: str) -> bool:
    """True when an endpoint config that uses this type may set `KmsKeyId` for its EBS ML volume."""
    return not has_instance_storage(instance_type)


def is_burstable(instance_type: str) -> bool:
    """`ml.t2.medium`, `ml.t3.large`: burstable types, which Application Auto Scaling rejects."""
    return re.match(r"^t\d", instance_family(instance_type)) is not None
