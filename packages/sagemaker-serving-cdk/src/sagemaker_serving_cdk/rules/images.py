"""SageMaker framework inference images (scikit-learn, XGBoost, PyTorch), resolved per region at synth time.

Source: aws/sagemaker-python-sdk, sagemaker-core/src/sagemaker/core/image_uri_config/{sklearn,xgboost,pytorch}.json
(the tables `sagemaker.image_uris.retrieve` reads), "inference" scope, commercial regions only; copied
2026-11-21. scikit-learn and XGBoost images live in per-region SageMaker accounts; PyTorch images are Deep
Learning Containers in a different set of accounts. Add a version or region here, with its
source, rather than guessing an account: a wrong account fails only at deploy time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional

from sagemaker_serving_cdk.rules.problems import Problem

# sagemaker-scikit-learn and sagemaker-xgboost share these registries (identical in both JSON files).
_SAGEMAKER_FRAMEWORK_REGISTRIES: Mapping[str, str] = {
    "af-south-1": "510948584623",
    "ap-east-1": "651117190479",
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "720646828776",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "341280168497",
    "ca-west-1": "190319476487",
    "eu-central-1": "492215442770",
    "eu-central-2": "680994064768",
    "eu-north-1": "662702820516",
    "eu-south-1": "978288397137",
    "eu-south-2": "104374241257",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "801668240914",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}

# Deep Learning Containers (pytorch-inference), the same for every 2.x version in pytorch.json.
_DLC_REGISTRIES: Mapping[str, str] = {
    "af-south-1": "626614931356",
    "ap-east-1": "871362719292",
    "ap-northeast-1": "763104351884",
    "ap-northeast-2": "763104351884",
    "ap-northeast-3": "364406365360",
    "ap-south-1": "763104351884",
    "ap-south-2": "772153158452",
    "ap-southeast-1": "763104351884",
    "ap-southeast-2": "763104351884",
    "ap-southeast-3": "907027046896",
    "ap-southeast-4": "457447274322",
    "ca-central-1": "763104351884",
    "ca-west-1": "204538143572",
    "eu-central-1": "763104351884",
    "eu-central-2": "380420809688",
    "eu-north-1": "763104351884",
    "eu-south-1": "692866216735",
    "eu-south-2": "503227376785",
    "eu-west-1": "763104351884",
    "eu-west-2": "763104351884",
    "eu-west-3": "763104351884",
    "il-central-1": "780543022126",
    "me-central-1": "914824155844",
    "me-south-1": "217643126080",
    "sa-east-1": "763104351884",
    "us-east-1": "763104351884",
    "us-east-2": "763104351884",
    "us-west-1": "763104351884",
    "us-west-2": "763104351884",
}


@dataclass(frozen=True)
class _Framework:
    repository: str
    registries: Mapping[str, str]
    python_versions: Mapping[str, tuple[str, ...]]
    """Supported version -> the Python versions its images are built for (first one is the default)."""
    processors: tuple[str, ...]
    tag: Callable[[str, str, str], str]
    """(version, processor, python version) -> image tag, as the SDK formats it."""


_FRAMEWORKS: Mapping[str, _Framework] = {
    "sklearn": _Framework(
        repository="sagemaker-scikit-learn",
        registries=_SAGEMAKER_FRAMEWORK_REGISTRIES,
        python_versions={"1.0-1": ("py3",), "1.2-1": ("py3",)},
        processors=("cpu",),
        tag=lambda version, processor, py: f"{version}-{processor}-{py}",
    ),
    "xgboost": _Framework(
        repository="sagemaker-xgboost",
        registries=_SAGEMAKER_FRAMEWORK_REGISTRIES,
        # From 1.2-1 on the table lists no processors or Python versions, so the tag is the bare version.
        python_versions={"1.5-1": ("py3",), "1.7-1": ("py3",), "3.0-5": ("py3",)},
        processors=("cpu", "gpu"),
        tag=lambda version, processor, py: version,
    ),
    "pytorch": _Framework(
        repository="pytorch-inference",
        registries=_DLC_REGISTRIES,
        python_versions={
            "2.1.0": ("py310",),
            "2.2.0": ("py310",),
            "2.3.0": ("py311",),
            "2.4.0": ("py311",),
            "2.5.1": ("py311",),
        },
        processors=("cpu", "gpu"),
        tag=lambda version, processor, py: f"{version}-{processor}-{py}",
    ),
}

SUPPORTED_FRAMEWORKS = tuple(_FRAMEWORKS)


class UnsupportedFrameworkImage(ValueError):
    """A framework, version, Python version, processor or region the table does not cover."""


@dataclass(frozen=True)
class FrameworkImage:
    """One resolved framework image: where it lives and how to name it."""

    framework: str
    version: str
    region: str
    account: str
    repository: str
    tag: str

    @property
    def uri(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{self.repository}:{self.tag}"

    @property
    def repository_arn(self) -> str:
        """What the execution role needs `ecr:BatchGetImage` on (commercial partition)."""
        return f"arn:aws:ecr:{self.region}:{self.account}:repository/{self.repository}"


def supported_versions(framework: str) -> tuple[str, ...]:
    return tuple(_framework(framework).python_versions)


def framework_image(
    framework: str,
    version: str,
    region: str,
    *,
    python_version: Optional[str] = None,
    processor: str = "cpu",
) -> FrameworkImage:
    """The inference image of `framework` `version` in `region`.

    :param python_version: e.g. `py311`. Default: the one the version's images are built for.
    :param processor: `cpu` or, where the framework has GPU images, `gpu`. Default: `cpu`.
    Raises UnsupportedFrameworkImage naming what was asked and what is supported.
    """
    spec = _framework(framework)
    if version not in spec.python_versions:
        raise UnsupportedFrameworkImage(
            f"{framework} framework version {version!r} is not supported; supported: "
            f"{', '.join(spec.python_versions)} (sagemaker_serving_cdk/rules/images.py)"
        )
    pythons = spec.python_versions[version]
    python = python_version or pythons[0]
    if python not in pythons:
        raise UnsupportedFrameworkImage(
            f"{framework} {version} has no image for Python {python!r}; available: {', '.join(pythons)}"
        )
    if processor not in spec.processors:
        raise UnsupportedFrameworkImage(
            f"{framework} has no {processor!r} inference image; available: {', '.join(spec.processors)}"
        )
    if region not in spec.registries:
        raise UnsupportedFrameworkImage(
            f"no {framework} framework image registry is known for region {region!r}; known regions: "
            f"{', '.join(sorted(spec.registries))}. Use an ECR image of your own there, or add the region "
            "to sagemaker_serving_cdk/rules/images.py from the SageMaker Python SDK's image_uri_config"
        )
    return FrameworkImage(
        framework=framework,
        version=version,
        region=region,
        account=spec.registries[region],
        repository=spec.repository,
        tag=spec.tag(version, processor, python),
    )


def _framework(framework: str) -> _Framework:
    try:
        return _FRAMEWORKS[framework]
    except KeyError:
        raise UnsupportedFrameworkImage(
            f"framework {framework!r} is not supported; supported: {', '.join(_FRAMEWORKS)}"
        ) from None


def ecr_reference_problems(tag: Optional[str], digest: Optional[str]) -> list[Problem]:
    """An ECR image is pinned by exactly one of a tag or (immutable, better) a digest."""
    if (tag is None) == (digest is None):
        return [Problem("tag", {"tag": tag, "digest": digest}, "exactly one of tag or digest (sha256:...)",
                        "an ECR image needs one reference")]
    return []
