"""The runtime the emulator plugs in (serving_runtime.DeployedModels): models exactly as the synthesized
templates deploy them (image, environment, artifact, mode), served by the image's own serving code.

Dev's serverless model answers with the demo model's real predictions; Staging's multi-model model starts
with its handler from the S3 sourcedir.tar.gz asset and serves two models with different code.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config import ENVIRONMENTS, load_environments
from tests.conftest import DEMO_MODEL
from tests.fidelity.conftest import csv_rows
from tools import serving_runtime
from tools.smoke_test import probes_for


def model_containers(synthesized, stage_id: str) -> dict[str, dict]:
    template = synthesized.templates()[f"{stage_id}/Serving"]
    return {logical_id: resource["Properties"]["PrimaryContainer"]
            for logical_id, resource in template["Resources"].items() if resource["Type"] == "AWS::SageMaker::Model"}


def stage_asset(synthesized, url: str) -> Path:
    """The file a synthesized s3://cdk-…-assets-…/<hash>.<ext> URL uploads, from the cloud assembly."""
    asset_hash = url.rsplit("/", 1)[-1].split(".")[0]
    found = sorted(synthesized.outdir.glob(f"**/asset.{asset_hash}*"))
    assert found, f"no asset {asset_hash} in {synthesized.outdir}"
    return found[0]


class FakeS3:
    """s3:// URLs -> local files: what the emulator's S3 would hand out."""

    def __init__(self):
        self.objects: dict[str, Path] = {}

    def fetch(self, url: str, local: Path) -> None:
        assert url in self.objects, f"unexpected download {url}; known: {sorted(self.objects)}"
        shutil.copyfile(self.objects[url], local)


@pytest.fixture(scope="module")
def deployed():
    # One runtime for the module, as the emulator keeps one: servers are shared per deployed model.
    s3 = FakeS3()
    models = serving_runtime.DeployedModels(s3.fetch)
    yield s3, models
    models.close()


def test_image_uris_map_to_stacks_and_others_are_refused():
    assert serving_runtime.stack_of_image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3").name == "sklearn-1.2-1"
    assert serving_runtime.stack_of_image("141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5").name == "xgboost-3.0-5"
    with pytest.raises(serving_runtime.ServingError, match="custom images need Docker"):
        serving_runtime.stack_of_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:v1")


def test_dev_model_answers_with_the_demo_models_predictions(synthesized, sklearn_stack, deployed, breast_cancer):
    s3, models = deployed
    (container,) = model_containers(synthesized, "Dev").values()
    container = {**container, "ModelDataUrl": "s3://emulator-assets/demo-model.tar.gz"}
    s3.objects[container["ModelDataUrl"]] = DEMO_MODEL
    reply = models.invoke(container, csv_rows(breast_cancer.data[:20]), "text/csv", "text/csv")
    assert reply.status == 200, reply.text
    labels = [int(v) for v in reply.text.split("\n")]
    assert sum(label == truth for label, truth in zip(labels, breast_cancer.target[:20])) >= 18
    server = models.server_for(container)
    again = models.invoke(container, b"1,2,3\n", "text/csv", "text/csv")
    assert again.status == 400 and "expects 30 features" in again.text
    assert models.server_for(container).pid == server.pid  # one server per deployed model, reused


@pytest.mark.parametrize("name", [env["name"] for env in ENVIRONMENTS])
def test_answers_each_configured_smoke_request_with_the_dev_model(synthesized, sklearn_stack, deployed, name):
    # Every framework-image endpoint and component serves the demo model; a request it rejects would fail that
    # stage's smoke test.
    s3, models = deployed
    (container,) = model_containers(synthesized, "Dev").values()
    container = {**container, "ModelDataUrl": "s3://emulator-assets/demo-model.tar.gz"}
    s3.objects[container["ModelDataUrl"]] = DEMO_MODEL
    config = next(env for env in load_environments(ENVIRONMENTS) if env.name == name)
    for probe in probes_for(config):
        endpoint = config.serving.endpoints[probe.endpoint.split("/")[0]]
        served = [config.serving.models[m] for m in endpoint.model_names]
        if any(model.image.kind != "framework" for model in served):
            continue  # a custom image answers its own requests; it needs Docker to run here (README, emulator)
        request = probe.request
        reply = models.invoke(container, request.body.encode(), request.content_type, request.accept)
        assert reply.status == 200, reply.text
        if request.accept:
            assert reply.headers["content-type"].startswith(request.accept)
        if request.accept == "application/json":
            assert len(json.loads(reply.body)["predictions"]) == 1


def test_staging_multi_model_serves_two_models_with_different_code(synthesized, sklearn_stack, deployed, artifacts,
                                                                    breast_cancer):
    s3, models = deployed
    container = next(c for c in model_containers(synthesized, "Staging").values() if c.get("Mode") == "MultiModel")
    submit = container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"]
    assert isinstance(submit, str) and submit.startswith("s3://"), submit
    s3.objects[submit] = stage_asset(synthesized, submit)
    container = {**container, "ModelDataUrl": "s3://models-bucket/models/multi/"}
    s3.objects["s3://models-bucket/models/multi/demo/model.tar.gz"] = artifacts["demo"]
    s3.objects["s3://models-bucket/models/multi/byo/model.tar.gz"] = artifacts["byo_sklearn"]
    rows = csv_rows(breast_cancer.data[:3])
    ours = models.invoke(container, rows, "text/csv", "text/csv", target_model="demo/model.tar.gz")
    theirs = models.invoke(container, rows, "text/csv", target_model="byo/model.tar.gz")
    assert ours.status == 200 and len(ours.text.split("\n")) == 3, ours.text
    assert theirs.status == 200 and json.loads(theirs.text)["labels"] == breast_cancer.target[:3].tolist(), theirs.text
    with pytest.raises(serving_runtime.ServingError, match="needs a TargetModel"):
        models.invoke(container, rows, "text/csv")


def test_batch_transform_writes_one_output_line_per_input_line(synthesized, sklearn_stack, deployed, breast_cancer):
    s3, models = deployed
    (container,) = model_containers(synthesized, "Dev").values()
    container = {**container, "ModelDataUrl": "s3://emulator-assets/demo-model.tar.gz"}
    s3.objects[container["ModelDataUrl"]] = DEMO_MODEL
    rows = breast_cancer.data[:300]
    body = csv_rows(rows) * 40  # about 2.5 MB: three requests of at most 1 MB
    output = models.transform(container, body, "text/csv", "text/csv", max_payload_mb=1)
    labels = [int(v) for v in output.decode().splitlines()]
    assert len(labels) == 40 * len(rows)
    assert labels == labels[:300] * 40
    assert sum(label == truth for label, truth in zip(labels, breast_cancer.target[:300])) >= 285
    with pytest.raises(serving_runtime.ServingError, match="batch request of 1 line\\(s\\) failed: 400"):
        models.transform(container, b"1,2,3\n", "text/csv", "text/csv", strategy="SingleRecord")
