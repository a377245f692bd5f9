"""The image a model runs: a SageMaker framework image, an ECR image of yours, or a local Dockerfile."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, StringConstraints, model_validator

from config.base import Section, raise_problems
from config.serving.names import RelativePath
from inference_code.framework import SKLEARN_FRAMEWORK_VERSION
from sagemaker_serving_cdk.rules.images import ecr_reference_problems


class FrameworkImageSettings(Section):
    """A SageMaker framework image, resolved for the stack's region (sagemaker_serving_cdk.rules.images, from the generated _data tables)."""

    kind: Literal["framework"] = "framework"
    framework: Literal["sklearn", "xgboost", "pytorch"] = "sklearn"
    version: str = SKLEARN_FRAMEWORK_VERSION
    """Default: the scikit-learn image the handler and demo model are built for (inference_code/framework.py)."""
    python_version: Optional[str] = None
    """e.g. py311. Default: the Python the version's image is built for."""


class EcrImageSettings(Section):
    """An image in one of this account's ECR repositories, by tag or (better: immutable) by digest."""

    kind: Literal["ecr"] = "ecr"
    repository_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$", max_length=256)]
    tag: Optional[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]] = None
    digest: Optional[Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]] = None

    @model_validator(mode="after")
    def _tag_or_digest(self) -> "EcrImageSettings":
        raise_problems(ecr_reference_problems(self.tag, self.digest))
        return self


class AssetImageSettings(Section):
    """Bring your own container: a directory with a Dockerfile, built and pushed by `cdk deploy`."""

    kind: Literal["asset"] = "asset"
    directory: RelativePath
    """Relative to the project root."""


ImageSettings = Annotated[
    Union[FrameworkImageSettings, EcrImageSettings, AssetImageSettings], Field(discriminator="kind")
]
