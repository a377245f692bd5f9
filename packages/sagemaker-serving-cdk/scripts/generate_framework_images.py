"""Generates _data/framework_images.py: where SageMaker's framework inference images live, per region.

Source: the SageMaker Python SDK's image_uri_config/{sklearn,xgboost,pytorch}.json (what
`sagemaker.image_uris.retrieve` reads), shipped in the sagemaker-core wheel and installed without its
dependencies from requirements-data.lock into <venv>/data-sources (out of site-packages: `make setup`).
Only the "inference" scope, the versions the library supports
(SUPPORTED below: the images its handler rules and tests cover) and the commercial partition (botocore's
`aws` partition regex): image URIs and repository ARNs are built for `amazonaws.com` / `arn:aws`.
"""

from __future__ import annotations

import json
import re
import sys
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

from _generated import render, write_or_check

DATA_SOURCES = Path(sys.prefix) / "data-sources"
SUPPORTED = {
    "sklearn": ("1.0-1", "1.2-1"),
    "xgboost": ("1.5-1", "1.7-1", "3.0-5"),
    "pytorch": ("2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.1"),
}


def installed_source() -> tuple[str, dict[str, Any], str]:
    """sagemaker-core's version, the three JSON documents, and botocore's commercial-partition region regex."""
    import botocore.session

    found = list(distributions(name="sagemaker-core", path=[str(DATA_SOURCES)]))
    if not found:
        raise FileNotFoundError(f"sagemaker-core is not installed in {DATA_SOURCES}; run `make setup`")
    dist = found[0]
    documents = {
        framework: json.loads(dist.locate_file(f"sagemaker/core/image_uri_config/{framework}.json").read_text())
        for framework in SUPPORTED
    }
    endpoints = botocore.session.get_session().get_component("data_loader").load_data("endpoints")
    regex = next(p["regionRegex"] for p in endpoints["partitions"] if p["partition"] == "aws")
    return dist.version, documents, regex


def generate(version: str, documents: dict[str, Any], commercial_region_regex: str) -> str:
    commercial = re.compile(commercial_region_regex)
    tables: dict[str, Any] = {}
    for framework, versions in SUPPORTED.items():
        inference = documents[framework]["inference"]["versions"]
        tables[framework] = {
            "repository": _one({inference[v]["repository"] for v in versions}, framework),
            "versions": {
                v: {
                    "py_versions": tuple(inference[v].get("py_versions", ())),
                    "registries": {r: a for r, a in sorted(inference[v]["registries"].items()) if commercial.match(r)},
                }
                for v in versions
            },
        }
    return render(
        doc="SageMaker framework inference images: repository, and per supported version its Python versions "
        "and the ECR registry account per commercial region.",
        source=f"sagemaker-core {version}, sagemaker/core/image_uri_config/{{sklearn,xgboost,pytorch}}.json "
        "(scope inference), regions of botocore's aws partition",
        generator="generate_framework_images.py",
        tables={"FRAMEWORK_IMAGES": tables},
    )


def _one(values: set[str], framework: str) -> str:
    if len(values) != 1:
        raise ValueError(f"{framework}: the supported versions live in different repositories {sorted(values)}")
    return values.pop()


if __name__ == "__main__":
    sys.exit(write_or_check("framework_images.py", generate(*installed_source()), sys.argv[1:]))
