"""Generates _data/inference_ami_versions.py from the SageMaker API model that botocore ships (offline).

The enum is what CreateEndpointConfig accepts as a production variant's InferenceAmiVersion
(shape ProductionVariantInferenceAmiVersion). Run after a botocore bump:
`python scripts/generate_inference_ami_versions.py`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from _generated import render, write_or_check

SHAPE = "ProductionVariantInferenceAmiVersion"


def installed_source() -> tuple[str, list[str]]:
    """botocore's version and the enum values of the shape."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return botocore.__version__, list(model.shape_for(SHAPE).enum)


def member(value: str) -> str:
    """`al2-ami-sagemaker-inference-gpu-2-1` -> `AL2_AMI_SAGEMAKER_INFERENCE_GPU_2_1`."""
    return re.sub(r"[^A-Za-z0-9]", "_", value).upper()


def generate(version: str, values: Iterable[str]) -> str:
    ordered = tuple(sorted(set(values)))
    header = render(
        doc="The AMI versions a SageMaker production variant can pin (InferenceAmiVersion).",
        source=f"botocore {version}, data/sagemaker/2017-07-24/service-2.json, shape {SHAPE}",
        generator="generate_inference_ami_versions.py",
        tables={},
    )
    lines = [
        "",
        "from enum import Enum",
        "",
        "",
        "class InferenceAmiVersion(str, Enum):",
        '    """An AMI version for a variant\'s instances: pins the driver and CUDA (or Neuron) versions."""',
        "",
        *(f"    {member(value)} = {value!r}" for value in ordered),
        "",
    ]
    return header + "\n".join(lines)


if __name__ == "__main__":
    sys.exit(write_or_check("inference_ami_versions.py", generate(*installed_source()), sys.argv[1:]))
