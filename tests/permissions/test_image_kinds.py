"""Container start for the image kinds no configured environment uses today (an ECR repository of the account,
an image asset): the same rows, on a model stack built here, so every kind is covered whatever config holds."""

from __future__ import annotations

import pytest
from aws_cdk import Stack, aws_ecr as ecr
from aws_cdk.assertions import Template

from sagemaker_serving_cdk import ContainerImage
from tests.permissions.check import failures, grants
from tests.permissions.requirements import REQUIREMENTS
from tests.permissions.world import StackTemplate, World
from tests.unit.serving_kit import make_kit

ROWS = [row for row in REQUIREMENTS if row.id in {"image-pull", "registry-auth", "artifact-read", "artifact-decrypt"}]


@pytest.fixture(scope="module")
def image_world(tmp_path_factory) -> World:
    from aws_cdk import App
    from stacks.application import cdk_context
    stack = Stack(App(context=cdk_context()), "Kinds", env={"account": "123456789012", "region": "us-east-1"})
    kit = make_kit(stack)
    directory = tmp_path_factory.mktemp("image")
    (directory / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.11-slim\n")
    kit.model("EcrModel", image=ContainerImage.from_ecr_repository(
        ecr.Repository.from_repository_name(stack, "Repo", "team/model-server"), tag="1.0"))
    kit.model("AssetModel", image=ContainerImage.from_asset(str(directory)))
    template = Template.from_stack(stack).to_json()
    return World([StackTemplate(name="Kinds", account="123456789012", region="us-east-1", template=template,
                                label="Kinds/Serving")])


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_ecr_and_asset_images_get_what_container_start_needs(image_world, row):
    targets = row.targets(image_world, "Kinds")
    assert len(targets) >= 2, [t.what for t in targets]
    assert not failures(image_world, row, targets)


def test_fails_without_the_image_grant(image_world):
    (row,) = [r for r in ROWS if r.id == "image-pull"]
    for target in row.targets(image_world, "Kinds"):
        granting = grants(image_world, target, row.actions[0])
        assert granting and failures(image_world.without_statements(granting), row, [target]), target.what
