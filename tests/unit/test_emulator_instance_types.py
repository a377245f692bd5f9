"""The emulator's endpoint-config instance types (tools/emulator_sagemaker.py, fix 16), in-process: SageMaker's own
enum (botocore's service model) instead of moto's shorter list. The patch is undone after this module."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tools import emulator_sagemaker


@pytest.fixture(scope="module", autouse=True)
def fix():
    from moto.sagemaker.models import FakeEndpointConfig

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeEndpointConfig, "validate_instance_type", FakeEndpointConfig.validate_instance_type)
        emulator_sagemaker._patch_instance_types()
        yield


def _config(instance_type: str) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                           PrimaryContainer={"Image": "image"})
    sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "m", "InstanceType": instance_type, "InitialInstanceCount": 1}])


@pytest.mark.parametrize("instance_type", ["ml.g5.xlarge", "ml.m6i.large", "ml.c7i.xlarge", "ml.m5.large"])
@mock_aws
def test_an_instance_type_sagemaker_accepts_is_accepted(instance_type):
    _config(instance_type)


@mock_aws
def test_fails_on_an_instance_type_sagemaker_does_not_have():
    with pytest.raises(ClientError, match="Value 'ml.m5.huge' at 'instanceType' failed to satisfy constraint"):
        _config("ml.m5.huge")
