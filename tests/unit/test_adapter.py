"""Models built from config: their handler environment in every stage's templates, the multi-model handler
bundle, and the check that a local artifact carries the handler its config names."""
from __future__ import annotations

import json
import tarfile

import pytest

from sagemaker_serving_cdk.rules.handler import PACKED_SUBMIT_DIRECTORY
from stacks.adapter import check_artifact_handler, handler_source_bundle
from tools import package_model
from tools.package_model import DEFAULT_CODE_DIR

MODEL_TYPES = ("AWS::SageMaker::Model",)


def framework_models(synthesized, environments):
    """(stage, model logical id, model config, container) of every framework-image model in every stage."""
    for stage_id in synthesized.stages:
        settings = environments[stage_id.lower()].serving.models
        for stack_name in ("Serving", "Batch"):
            template = synthesized.templates().get(f"{stage_id}/{stack_name}", {})
            for logical_id, resource in template.get("Resources", {}).items():
                if resource["Type"] != "AWS::SageMaker::Model":
                    continue
                container = resource["Properties"]["PrimaryContainer"]
                name = next((n for n in settings if logical_id.startswith(f"{''.join(p.capitalize() for p in n.split('-'))}Model")), None)
                if "Image" in container and name is not None and settings[name].image.kind == "framework":
                    yield stage_id, logical_id, settings[name], resource["Properties"]


def test_every_framework_model_points_at_its_configured_handler(synthesized, environments):
    seen = 0
    for stage_id, logical_id, settings, properties in framework_models(synthesized, environments):
        env = properties["PrimaryContainer"].get("Environment", {})
        where = f"{stage_id} {logical_id}"
        if settings.entry_point is None:
            assert "SAGEMAKER_PROGRAM" not in env and "SAGEMAKER_SUBMIT_DIRECTORY" not in env, where
            continue
        seen += 1
        assert env["SAGEMAKER_PROGRAM"] == settings.entry_point, where
        assert env["PIP_NO_BUILD_ISOLATION"] == "0", where
        assert ("PIP_NO_INDEX" in env) == properties["EnableNetworkIsolation"], where
        if settings.is_multi_model:
            # nothing exists under /opt/ml/model at start: the handler comes from an S3 sourcedir.tar.gz
            assert json.dumps(env["SAGEMAKER_SUBMIT_DIRECTORY"]).startswith('"s3://'), where
            assert properties["EnableNetworkIsolation"] is False, where
        else:
            assert env["SAGEMAKER_SUBMIT_DIRECTORY"] == PACKED_SUBMIT_DIRECTORY, where
    assert seen, "no framework model with a handler in any stage"


def test_handler_bundle_is_reproducible_and_holds_the_source_dir(tmp_path):
    first = handler_source_bundle(DEFAULT_CODE_DIR, "inference.py")
    assert handler_source_bundle(DEFAULT_CODE_DIR, "inference.py") == first
    with tarfile.open(first) as archive:
        assert archive.getnames() == ["inference.py", "requirements.txt"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    (directory / "xgboost-model").write_bytes(b"{}")
    return directory


def test_artifact_with_the_named_handler_passes(model_dir, tmp_path):
    package_model.package(model_dir, tmp_path / "m.tar.gz")
    check_artifact_handler(tmp_path / "m.tar.gz", "inference.py")
    package_model.package(model_dir, tmp_path / "b.tar.gz", None)
    check_artifact_handler(tmp_path / "b.tar.gz", None)


def test_fails_on_an_artifact_without_the_configured_entry_point(model_dir, tmp_path):
    package_model.package(model_dir, tmp_path / "m.tar.gz")
    with pytest.raises(ValueError, match="has no code/serve.py, the handler.entry_point its config names"):
        check_artifact_handler(tmp_path / "m.tar.gz", "serve.py")


def test_fails_on_code_in_an_artifact_whose_handler_is_builtin(model_dir, tmp_path):
    """Finding 9: a code folder the image would never run (and serve_local used to run instead)."""
    package_model.package(model_dir, tmp_path / "m.tar.gz")
    with pytest.raises(ValueError, match="the model's handler is builtin"):
        check_artifact_handler(tmp_path / "m.tar.gz", None)
