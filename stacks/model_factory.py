"""SageMaker models built from config (`serving.models` entries). Serving and Batch both build theirs here,
so a batch job runs exactly the image and artifact its endpoint does, while each stack owns its own model
resource (a model name changes with its artifact and must never be exported across stacks)."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path
from typing import Optional

from aws_cdk import Stack, aws_ecr as ecr

from config.serving import ModelSettings
from inference_code.framework import REGISTRY_PACKAGE_FRAMEWORK
from ml_constructs.execution_role import SageMakerExecutionRole
from ml_constructs.framework_images import framework_image
from ml_constructs.model import ModelData, ModelImage, SageMakerModel
from stacks.data_stack import DataReferences
from paths import PROJECT_ROOT
from tools import package_model

HANDLER_SOURCE_DIR = PROJECT_ROOT / "build" / "handler-source"



def construct_id(name: str) -> str:
    """`multi-model` -> `MultiModel`: config keys become construct ids, so renaming one replaces resources."""
    return "".join(part.capitalize() for part in name.split("-"))


def model_from_config(
    stack: Stack,
    name: str,
    settings: ModelSettings,
    *,
    role: SageMakerExecutionRole,
    data: DataReferences,
    default_model_data_key: str,
) -> SageMakerModel:
    """The model `name` of the config, in `stack`, with construct id `<Name>Model`."""
    common = dict(
        role=role,
        environment=settings.environment or None,
        network_isolation=settings.network_isolation,
        subnet_ids=settings.vpc.subnet_ids if settings.vpc else (),
        security_group_ids=settings.vpc.security_group_ids if settings.vpc else (),
    )
    model_id = f"{construct_id(name)}Model"
    if settings.is_registry_package:
        framework, version = REGISTRY_PACKAGE_FRAMEWORK
        role.grant_image_pull([framework_image(framework, version, stack.region).repository_arn])
        return SageMakerModel(stack, model_id, model_package_arn=data.registry.model_package_arn(
            settings.model_package_version), **common)

    handler_source = None
    if settings.model_data_asset is not None:
        artifact = existing_path(settings.model_data_asset)
        if settings.image.kind == "framework":
            check_artifact_handler(artifact, settings.entry_point)
        model_data = ModelData.from_asset(str(artifact))
    elif settings.multi_model_prefix is not None:
        model_data = ModelData.multi_model(data.models, settings.multi_model_prefix)
        if settings.image.kind == "framework" and settings.entry_point is not None:
            handler_source = str(handler_source_bundle(PROJECT_ROOT / settings.handler.source_dir, settings.entry_point))
    else:
        model_data = ModelData.from_bucket(data.models, settings.model_data_key or default_model_data_key)
    return SageMakerModel(stack, model_id, image=_image(stack, model_id, settings), model_data=model_data,
                          handler_source=handler_source, **common)


def handler_source_bundle(source_dir: Path, entry_point: str) -> Path:
    """sourcedir.tar.gz of a handler, written under build/ with a name from its bytes (reproducible, so the
    CDK asset hash moves only when the handler does)."""
    data = package_model.build_tarball(package_model.source_entries(source_dir, entry_point))
    out = HANDLER_SOURCE_DIR / f"{hashlib.sha256(data).hexdigest()[:16]}-sourcedir.tar.gz"
    if not out.exists():
        package_model.write_atomically(out, data)
    return out


def check_artifact_handler(artifact: Path, entry_point: Optional[str]) -> None:
    """A local model.tar.gz must carry the handler its config names, or no code/ for a built-in handler."""
    with tarfile.open(artifact) as archive:
        names = set(archive.getnames())
    code = sorted(name for name in names if name.split("/")[0] == package_model.CODE_PREFIX and name != "code")
    if entry_point is None and code:
        raise ValueError(f"{artifact} holds {code[:3]} but the model's handler is builtin: the image would never "
                         "run that code; package it with --builtin-handler or configure its entry_point")
    if entry_point is not None and f"{package_model.CODE_PREFIX}/{entry_point}" not in names:
        raise ValueError(f"{artifact} has no code/{entry_point}, the handler.entry_point its config names; package it "
                         f"with --entry-point {entry_point} (found code files: {code[:5] or 'none'})")


def _image(stack: Stack, model_id: str, settings: ModelSettings) -> ModelImage:
    image = settings.image
    if image.kind == "framework":
        return ModelImage.from_framework(image.framework, image.version, python_version=image.python_version,
                                         entry_point=settings.entry_point)
    if image.kind == "ecr":
        repository = ecr.Repository.from_repository_name(stack, f"{model_id}Repository", image.repository_name)
        return ModelImage.from_ecr_repository(repository, tag=image.tag, digest=image.digest)
    return ModelImage.from_asset(str(existing_path(image.directory)))


def existing_path(relative: str) -> Path:
    """A project file a model needs (an asset), or an error saying how to build it."""
    path = PROJECT_ROOT / relative
    if not path.exists():
        hint = " (build it with `make build/demo-model.tar.gz`)" if relative.startswith("build/") else ""
        raise FileNotFoundError(f"{relative} does not exist under {PROJECT_ROOT}{hint}")
    return path
