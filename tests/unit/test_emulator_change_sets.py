"""The emulator's change sets (tools/emulator_server.py, fix 15 on top of fix 2), in-process: moto's CloudFormation with the fix,
driven by boto3 the way the CDK CLI redeploys a changed stack (delete the previous `cdk-deploy-change-set`, wait
for ChangeSetNotFound, create an UPDATE change set reusing BootstrapVersion, execute). The patch is undone after
this module. tests/integration/test_inference_components.py redeploys through the CLI itself."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from tools import emulator_server

NAME = "cdk-deploy-change-set"  # the name every CDK deploy gives its change set
VERSION = "/cdk-bootstrap/hnb659fds/version"


@pytest.fixture(scope="module", autouse=True)
def fix():
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse

    with pytest.MonkeyPatch.context() as patch:
        for cls in (CloudFormationBackend, CloudFormationResponse):
            for name in ("create_change_set", "describe_change_set", "delete_change_set", "execute_change_set"):
                patch.setattr(cls, name, getattr(cls, name))
        emulator_server._patch_change_sets()  # fix 2, which fix 15 builds on (as in the emulator)
        emulator_server._patch_change_set_names()
        yield


def _template(topic_name: str) -> str:
    return json.dumps({
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": VERSION}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic_name}}},
        "Outputs": {"Version": {"Value": {"Ref": "BootstrapVersion"}}},
    })


@pytest.fixture
def cloudformation():
    with mock_aws():
        boto3.client("ssm", region_name="us-east-1").put_parameter(Name=VERSION, Value="30", Type="String")
        client = boto3.client("cloudformation", region_name="us-east-1")
        for stack in ("first", "second"):  # two stacks, each deployed by a change set of the same name
            client.create_change_set(StackName=stack, ChangeSetName=NAME, ChangeSetType="CREATE",
                                     TemplateBody=_template(f"{stack}-v1"))
            client.execute_change_set(StackName=stack, ChangeSetName=NAME)
        yield client


def test_a_change_set_belongs_to_its_stack(cloudformation):
    cloudformation.delete_change_set(StackName="second", ChangeSetName=NAME)
    with pytest.raises(cloudformation.exceptions.ChangeSetNotFoundException, match=rf"ChangeSet \[{NAME}\] does not exist"):
        cloudformation.describe_change_set(StackName="second", ChangeSetName=NAME)
    assert cloudformation.describe_change_set(StackName="first", ChangeSetName=NAME)["StackName"] == "first"


def test_deleting_a_missing_change_set_succeeds_while_its_stack_exists_and_fails_without_it(cloudformation):
    for _ in range(2):
        cloudformation.delete_change_set(StackName="second", ChangeSetName=NAME)
    with pytest.raises(cloudformation.exceptions.ClientError, match="Stack with id missing does not exist"):
        cloudformation.delete_change_set(StackName="missing", ChangeSetName=NAME)


def test_an_update_reuses_the_ssm_parameter_name_and_completes(cloudformation):
    cloudformation.delete_change_set(StackName="second", ChangeSetName=NAME)
    cloudformation.create_change_set(StackName="second", ChangeSetName=NAME, ChangeSetType="UPDATE",
                                     TemplateBody=_template("second-v2"),
                                     Parameters=[{"ParameterKey": "BootstrapVersion", "UsePreviousValue": True}])
    cloudformation.execute_change_set(StackName="second", ChangeSetName=NAME)
    stack = cloudformation.describe_stacks(StackName="second")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    assert stack["Outputs"] == [{"OutputKey": "Version", "OutputValue": "30"}]
    topics = [t["TopicArn"].rsplit(":", 1)[1] for t in boto3.client("sns", region_name="us-east-1").list_topics()["Topics"]]
    assert "second-v2" in topics and "second-v1" not in topics
