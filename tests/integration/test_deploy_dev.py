"""Dev deployed to the emulator with the unchanged CDK CLI, verified with boto3.

What the emulator does not create is asserted from the template in test_skipped_by_emulator.py and listed
there, so nobody believes it was deployed.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

DATA_BUCKET_OUTPUTS = ("InputBucketName", "OutputBucketName", "ModelBucketName")


def test_every_stack_completed_and_every_supported_resource_landed(dev_stage):
    cloudformation = dev_stage.client("cloudformation")
    for stack_name in dev_stage.outputs:
        status = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        assert status in {"CREATE_COMPLETE", "UPDATE_COMPLETE"}, stack_name
    missing = [row for row in dev_stage.landed if row.status == "MISSING"]
    assert missing == []
    deployed = {row.resource_type for row in dev_stage.landed if row.status == "deployed"}
    assert {"AWS::KMS::Key", "AWS::KMS::Alias", "AWS::S3::Bucket"} <= deployed


def test_data_buckets_exist_encrypted_with_the_stage_key(dev_stage):
    s3 = dev_stage.client("s3")
    key_arn = dev_stage.output("DataKeyArn")
    for output in DATA_BUCKET_OUTPUTS:
        bucket = dev_stage.output(output)
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}, output


def test_access_log_bucket_uses_sse_s3_which_log_delivery_requires(dev_stage):
    s3 = dev_stage.client("s3")
    bucket = dev_stage.output("AccessLogBucketName")
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_an_object_written_to_a_data_bucket_is_stored_with_the_stage_key(dev_stage):
    s3 = dev_stage.client("s3")
    bucket = dev_stage.output("InputBucketName")
    s3.put_object(Bucket=bucket, Key="batch/probe.csv", Body=b"1,2,3\n")
    head = s3.head_object(Bucket=bucket, Key="batch/probe.csv")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == dev_stage.output("DataKeyArn")


def test_data_key_is_enabled_rotating_and_aliased(dev_stage):
    kms = dev_stage.client("kms")
    key_arn = dev_stage.output("DataKeyArn")
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    assert metadata["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    aliases = {alias["AliasName"]: alias.get("TargetKeyId") for alias in kms.list_aliases()["Aliases"]}
    assert aliases["alias/mlinf-dev-data"] == metadata["KeyId"]


def test_buckets_carry_the_environment_tags_and_the_auto_delete_marker(dev_stage, environments):
    s3 = dev_stage.client("s3")
    for output in (*DATA_BUCKET_OUTPUTS, "AccessLogBucketName"):
        tags = {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=dev_stage.output(output))["TagSet"]}
        assert environments["dev"].tags.items() <= tags.items(), output
        # Dev deletes its data on destroy: the CDK's auto-delete provider empties only buckets tagged so.
        assert tags["aws-cdk:auto-delete-objects"] == "true", output
