"""Small builders the library tests share."""

from __future__ import annotations

from aws_cdk import Stack, aws_s3 as s3
from aws_cdk.assertions import Template

from sagemaker_serving_cdk import ContainerImage, Model, ModelData


def model(stack: Stack, bucket: s3.IBucket, construct_id: str = "Model", **props) -> Model:
    props.setdefault("image", ContainerImage.from_framework("sklearn", "1.2-1"))
    props.setdefault("model_data", ModelData.from_bucket(bucket, "models/model.tar.gz"))
    return Model(stack, construct_id, **props)


def only(template: Template, resource_type: str) -> dict:
    found = template.find_resources(resource_type)
    assert len(found) == 1, list(found)
    return next(iter(found.values()))["Properties"]


def statements(template: Template) -> list[dict]:
    return [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
