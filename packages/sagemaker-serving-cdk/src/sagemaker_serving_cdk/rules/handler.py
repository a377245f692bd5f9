"""The handler a SageMaker framework image runs for a model: which module, from where, and the rules.

A framework image imports the module named by SAGEMAKER_PROGRAM from SAGEMAKER_SUBMIT_DIRECTORY and
pip-installs that directory at start (ARCHITECTURE.md facts 6.6, 6.9): /opt/ml/model/code when the code is packed in
model.tar.gz; for multi-model models an s3://.../sourcedir.tar.gz, because nothing exists under
/opt/ml/model before a model is loaded (6.7). A built-in handler (XGBoost's `xgboost-model`) needs
neither variable. Rules are pure functions, used by config (config/serving/models.py) and the construct.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

DEFAULT_ENTRY_POINT = "inference.py"
CONTAINER_LOG_LEVEL = "20"  # logging.INFO
PACKED_SUBMIT_DIRECTORY = "/opt/ml/model/code"
# Frameworks whose image serves a handler-less artifact itself. The scikit-learn image has no default
# model_fn: without SAGEMAKER_PROGRAM its server never becomes healthy (tests/fidelity/test_model_code.py).
BUILTIN_HANDLER_FRAMEWORKS = ("xgboost",)
# The images' multi-model server (MMS): MAX_CONTENT_LENGTH defaults to 6 MB and is capped at 20 MB.
MULTI_MODEL_DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024
MULTI_MODEL_MAX_REQUEST_BYTES = 20 * 1024 * 1024


def requirement_lines(source_dir: Path) -> list[str]:
    """The install lines of source_dir/requirements.txt (comments and blanks dropped)."""
    path = source_dir / "requirements.txt"
    if not path.is_file():
        return []
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line]


def handler_problems(
    framework: str,
    entry_point: str | None,
    source_dir: Path | None,
    *,
    multi_model: bool,
    network_isolation: bool,
    environment: Mapping[str, str] | None = None,
) -> list[str]:
    """What makes this handler unable to serve in the image; entry_point None means the built-in handler."""
    problems = []
    if entry_point is None:
        if framework not in BUILTIN_HANDLER_FRAMEWORKS:
            problems.append(
                f"the {framework} image has no built-in handler (frameworks with one: "
                f"{', '.join(BUILTIN_HANDLER_FRAMEWORKS)}); name an entry_point and source_dir"
            )
    elif source_dir is not None:
        if not (source_dir / entry_point).is_file():
            problems.append(f"entry_point {entry_point!r} is not a file in source_dir {source_dir}")
        requirements = requirement_lines(source_dir)
        if requirements and network_isolation:
            problems.append(
                f"{source_dir}/requirements.txt installs {requirements[:3]} at container start, which a network-"
                "isolated model cannot download; ship what the model needs in the image (or your own image) and "
                "leave requirements.txt without install lines"
            )
    if multi_model and entry_point is not None and network_isolation:
        problems.append(
            "a multi-model model imports its handler at container start from an S3 sourcedir.tar.gz, which needs "
            "network access: set network_isolation to False, use the framework's built-in handler, or your own image"
        )
    limit = (environment or {}).get("MAX_CONTENT_LENGTH")
    if multi_model and limit is not None and (not limit.isdigit() or int(limit) > MULTI_MODEL_MAX_REQUEST_BYTES):
        problems.append(
            f"MAX_CONTENT_LENGTH={limit!r}: the multi-model server accepts at most {MULTI_MODEL_MAX_REQUEST_BYTES} "
            f"bytes (20 MB; default {MULTI_MODEL_DEFAULT_MAX_REQUEST_BYTES}) and silently caps larger values"
        )
    return problems


def handler_environment(
    entry_point: str | None, submit_directory: str | None, *, network_isolation: bool
) -> dict[str, str]:
    """The container environment that points the image at its handler, and keeps its start-up pip offline-safe."""
    if entry_point is None:
        return {}
    environment = {
        "SAGEMAKER_PROGRAM": entry_point,
        "SAGEMAKER_SUBMIT_DIRECTORY": submit_directory or PACKED_SUBMIT_DIRECTORY,
        # The image runs `pip install .` on the code at start. From pip 25.3 that builds in an isolated
        # environment whose setuptools comes from the index: offline, the container fails to start (6.9).
        # "0" turns build isolation off (pip reads PIP_NO_BUILD_ISOLATION as build_isolation=False);
        # the image's own setuptools builds the handler instead.
        "PIP_NO_BUILD_ISOLATION": "0",
    }
    if network_isolation:
        environment["PIP_NO_INDEX"] = "1"  # fail at once instead of waiting on an index it cannot reach
    return environment


def framework_environment(region: str) -> dict[str, str]:
    """What every framework-image model gets besides its handler: the toolkit's log level and the region."""
    return {"SAGEMAKER_CONTAINER_LOG_LEVEL": CONTAINER_LOG_LEVEL, "SAGEMAKER_REGION": region}


def framework_model_environment(
    region: str, *, entry_point: str | None = DEFAULT_ENTRY_POINT, network_isolation: bool = True
) -> dict[str, str]:
    """The whole container environment of a framework model whose handler is packed under code/: what the
    Model construct sets, and what `tools.ops model push --register` registers a package version with."""
    return {
        **handler_environment(entry_point, None, network_isolation=network_isolation),
        **framework_environment(region),
    }
