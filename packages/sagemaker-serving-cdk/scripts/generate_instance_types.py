"""Generates _data/instance_types.py from the SageMaker API model that botocore ships (offline).

The enums are what CreateEndpointConfig (ProductionVariantInstanceType) and CreateTransformJob
(TransformInstanceType) accept. Run after a botocore bump: `python scripts/generate_instance_types.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from _generated import render, write_or_check

SHAPES = {
    "REAL_TIME_INSTANCE_TYPES": "ProductionVariantInstanceType",
    "TRANSFORM_INSTANCE_TYPES": "TransformInstanceType",
}


def installed_source() -> tuple[str, dict[str, Iterable[str]]]:
    """botocore's version and, per table, the enum values of its shape."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return botocore.__version__, {table: model.shape_for(shape).enum for table, shape in SHAPES.items()}


def generate(version: str, enums: dict[str, Iterable[str]]) -> str:
    return render(
        doc="SageMaker instance types the API accepts, per use: real-time endpoints and batch transform.",
        source=f"botocore {version}, data/sagemaker/2017-07-24/service-2.json, shapes "
        + ", ".join(f"{shape} ({table})" for table, shape in SHAPES.items()),
        generator="generate_instance_types.py",
        tables={table: tuple(sorted(set(values))) for table, values in enums.items()},
    )


if __name__ == "__main__":
    sys.exit(write_or_check("instance_types.py", generate(*installed_source()), sys.argv[1:]))
