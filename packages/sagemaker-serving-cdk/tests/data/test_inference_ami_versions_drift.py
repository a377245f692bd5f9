"""_data/inference_ami_versions.py is what generate_inference_ami_versions.py makes from the installed botocore."""

import generate_inference_ami_versions as generator
from _generated import DATA_DIR

from sagemaker_serving_cdk._data.inference_ami_versions import InferenceAmiVersion

COMMITTED = (DATA_DIR / "inference_ami_versions.py").read_text(encoding="utf-8")


def test_fails_when_botocore_disagrees():
    assert generator.generate(*generator.installed_source()) == COMMITTED, (
        "botocore's InferenceAmiVersion enum changed: "
        "run python packages/sagemaker-serving-cdk/scripts/generate_inference_ami_versions.py"
    )


def test_fails_when_the_source_has_one_more_version():
    version, values = generator.installed_source()
    assert generator.generate(version, [*values, "al2023-ami-sagemaker-inference-gpu-9"]) != COMMITTED


def test_the_enum_holds_exactly_the_source_values():
    _, values = generator.installed_source()
    assert sorted(v.value for v in InferenceAmiVersion) == sorted(values)
    assert InferenceAmiVersion.AL2_AMI_SAGEMAKER_INFERENCE_GPU_2_1.value == "al2-ami-sagemaker-inference-gpu-2-1"
