"""Destroying Dev in the emulator: every resource follows its removal policy. Runs after the other
integration tests (it tears down the shared deploy)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import botocore.exceptions
import pytest

from tools.deploy_local import destroy

pytestmark = [pytest.mark.integration, pytest.mark.destroys_stage]


def _bucket_exists(s3, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
        return True
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchBucket"}:
            return False
        raise


def test_destroy_follows_each_resource_removal_policy(dev_stage):
    s3, kms, cloudformation, sagemaker, stepfunctions = (
        dev_stage.client(name) for name in ("s3", "kms", "cloudformation", "sagemaker", "stepfunctions"))
    templates = dev_stage.templates()
    # Physical ids of what we check, from the live stacks, before they go.
    physical = {
        stack: {
            summary["LogicalResourceId"]: summary["PhysicalResourceId"]
            for summary in cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
        }
        for stack in templates
    }
    # A non-empty, versioned-object bucket: on AWS its deletion fails unless the auto-delete provider empties it.
    s3.put_object(Bucket=dev_stage.output("InputBucketName"), Key="batch/left-behind.csv", Body=b"1\n")

    destroy(dev_stage.emulator, stage=dev_stage.stage, region=dev_stage.region, outdir=dev_stage.outdir)

    live = {stack["StackName"] for stack in cloudformation.describe_stacks()["Stacks"]}
    assert not live & set(templates), "stage stacks still exist"
    assert "CDKToolkit" in live, "the bootstrap stack is not part of the stage and stays"
    checked = 0
    for stack, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            retain = resource.get("DeletionPolicy") == "Retain"
            if resource["Type"] == "AWS::S3::Bucket":
                assert _bucket_exists(s3, physical[stack][logical_id]) is retain, logical_id
                checked += 1
            elif resource["Type"] == "AWS::KMS::Key":
                metadata = kms.describe_key(KeyId=physical[stack][logical_id])["KeyMetadata"]
                if retain:
                    assert metadata["KeyState"] == "Enabled", logical_id
                else:
                    window = timedelta(days=resource["Properties"].get("PendingWindowInDays", 30))
                    assert metadata["KeyState"] == "PendingDeletion", logical_id
                    expected = datetime.now(timezone.utc) + window
                    assert abs(metadata["DeletionDate"] - expected) < timedelta(hours=1), logical_id
                checked += 1
            elif resource["Type"] == "AWS::SageMaker::Endpoint":
                names = {e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]}
                assert (physical[stack][logical_id].rsplit("/", 1)[-1] in names) is retain, logical_id
                checked += 1
            elif resource["Type"] == "AWS::StepFunctions::StateMachine":
                arns = {m["stateMachineArn"] for m in stepfunctions.list_state_machines()["stateMachines"]}
                assert (physical[stack][logical_id] in arns) is retain, logical_id
                checked += 1
    assert checked >= 7  # four buckets, the key, the endpoint and the state machine today
