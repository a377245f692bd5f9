"""Models: an image plus model data or a registered package, their handler and smoke request."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, StringConstraints, field_validator, model_validator

from config.base import Section
from config.serving.images import FrameworkImageSettings, ImageSettings
from config.serving.names import MAX_SMOKE_BODY_BYTES, MimeType, RelativePath, S3Key, S3Prefix
from paths import PROJECT_ROOT
from sagemaker_serving_cdk.rules.handler import DEFAULT_ENTRY_POINT, handler_problems


class SmokeRequest(Section):
    """One request the smoke test sends after each deploy; the endpoint must answer it with a 2xx.

    A sample the model really accepts (its features, its format), so a model release that breaks the
    contract fails the stage instead of the first client.
    """

    content_type: MimeType
    """e.g. text/csv or application/json."""
    body: Annotated[str, StringConstraints(min_length=1)]
    """The request body as text (UTF-8), at most 64 KiB."""
    accept: Optional[MimeType] = None
    """Default: the model's default response type."""
    target_model: Optional[S3Key] = None
    """Multi-model endpoints only, and required there: the model.tar.gz to load, relative to the model's
    multi_model_prefix (InvokeEndpoint's TargetModel), e.g. model-v1.tar.gz."""

    @field_validator("body")
    @classmethod
    def _small(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > MAX_SMOKE_BODY_BYTES:
            raise ValueError(f"body is {size} bytes; a smoke request holds at most {MAX_SMOKE_BODY_BYTES}")
        return value


# ---------------------------------------------------------------------------------------------- models


class HandlerSettings(Section):
    """The handler a framework image runs for the model: the SageMaker SDK's entry_point and source_dir,
    or the framework's built-in handler. Package the model with the same values:
    `python -m tools.package_model --source-dir <source_dir> --entry-point <entry_point>` (or --builtin-handler)."""

    entry_point: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.py$")] = DEFAULT_ENTRY_POINT
    """The module the image imports (SAGEMAKER_PROGRAM), a file in source_dir."""
    source_dir: RelativePath = "inference_code"
    """Relative to the project root; packed whole under code/ (multi-model: as sourcedir.tar.gz)."""
    builtin: bool = False
    """True: no handler code, the framework's own handler serves the model (XGBoost's `xgboost-model`)."""

    @model_validator(mode="after")
    def _builtin_alone(self) -> "HandlerSettings":
        named = sorted(self.model_fields_set & {"entry_point", "source_dir"})
        if self.builtin and named:
            raise ValueError(f"builtin=True runs no code of yours; drop {', '.join(named)}")
        return self


class VpcSettings(Section):
    """Existing subnets and security groups for the model's network interfaces (no lookups at synth)."""

    subnet_ids: tuple[Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = Field(min_length=1, max_length=16)
    security_group_ids: tuple[Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8,17}$")], ...] = Field(min_length=1, max_length=5)


class ModelSettings(Section):
    """One SageMaker model: an image plus model data, or a registered model package.

    Model data comes from at most one of `model_data_key`, `model_data_asset`, `multi_model_prefix` and
    `model_package_version`; with none, the serving config's `default_model_data_key` is used.
    """

    image: ImageSettings = Field(default_factory=FrameworkImageSettings)
    """Default: the scikit-learn framework image, with inference_code/ (packed in model.tar.gz) as handler."""
    model_data_key: Optional[S3Key] = None
    """A model.tar.gz in the environment's model bucket."""
    model_data_asset: Optional[RelativePath] = None
    """A local model.tar.gz (relative to the project root), uploaded as a CDK file asset."""
    multi_model_prefix: Optional[S3Prefix] = None
    """Multi-model mode: the endpoint loads any model.tar.gz under this prefix of the model bucket on demand."""
    model_package_version: Optional[Annotated[int, Field(ge=1)]] = None
    """A version of the environment's model package group (the registry); it brings its own image and data."""
    environment: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,1023}$")], str] = Field(default_factory=dict)
    """Extra container environment. Framework images also get the handler settings (ARCHITECTURE.md fact 6.6)."""
    network_isolation: bool = True
    """True: the container has no network access (the handler ships inside model.tar.gz and installs nothing).
    Serverless endpoints do not support it: set False for models they serve."""
    vpc: Optional[VpcSettings] = None
    """Default: no VPC (SageMaker-managed network; with network isolation, no egress at all)."""
    handler: HandlerSettings = Field(default_factory=HandlerSettings)
    """Framework images only. Default: the project's handler, inference_code/inference.py."""
    smoke_request: Optional[SmokeRequest] = None
    """A request this model answers, sent by the smoke test to every endpoint serving it (unless the
    endpoint sets its own). Default: none."""

    @model_validator(mode="after")
    def _one_data_source(self) -> "ModelSettings":
        sources = {
            name: getattr(self, name)
            for name in ("model_data_key", "model_data_asset", "multi_model_prefix", "model_package_version")
            if getattr(self, name) is not None
        }
        if len(sources) > 1:
            raise ValueError(f"set at most one model data source, got {sources}")
        if self.model_package_version is not None and "image" in self.model_fields_set:
            raise ValueError(
                f"a model package (model_package_version={self.model_package_version}) brings its own image; "
                f"remove image={self.image.model_dump()}"
            )
        return self

    @model_validator(mode="after")
    def _handler_fits(self) -> "ModelSettings":
        if self.image.kind != "framework" or self.is_registry_package:
            if "handler" in self.model_fields_set:
                raise ValueError("handler applies to framework images only; your image or package brings its own")
            return self
        source_dir = None if self.handler.builtin else PROJECT_ROOT / self.handler.source_dir
        problems = handler_problems(self.image.framework, self.entry_point, source_dir, multi_model=self.is_multi_model,
                                    network_isolation=self.network_isolation, environment=self.environment)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def entry_point(self) -> Optional[str]:
        """The handler module a framework image imports; None when its built-in handler serves the model."""
        return None if self.handler.builtin else self.handler.entry_point

    @property
    def is_multi_model(self) -> bool:
        return self.multi_model_prefix is not None

    @property
    def is_registry_package(self) -> bool:
        return self.model_package_version is not None
