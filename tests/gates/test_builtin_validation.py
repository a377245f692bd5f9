"""The CDK's own CloudFormation schema validation is fatal (cdk.json sets validateAgainstDefaultRules)."""

from __future__ import annotations

import pytest
from aws_cdk import App, CfnResource, Stack

from stacks.application import cdk_context


def test_flag_is_on_in_cdk_json():
    assert cdk_context()["@aws-cdk/core:validateAgainstDefaultRules"] is True


def test_schema_violation_fails_synth(tmp_path):
    app = App(outdir=str(tmp_path), context=cdk_context())
    stack = Stack(app, "Invalid")
    CfnResource(stack, "Config", type="AWS::SageMaker::EndpointConfig", properties={
        "ProductionVariants": [{"VariantName": "a", "ModelName": "m", "InitialVariantWeight": -1}]})
    with pytest.raises(Exception, match=r"ValidationFailed(.|\n)*InitialVariantWeight: -1 is less than the minimum of 0"):
        app.synth()
