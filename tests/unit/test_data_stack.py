"""The Data stack of every real environment: retention, protection, outputs, and pinned logical IDs."""

from __future__ import annotations

import pytest

from tests.environments import BY_STAGE, STAGE_IDS as STAGES

# Renaming a construct id changes these and REPLACES the resource: for a retained bucket that orphans the
# old one and its data. If this test fails, revert the rename (or plan a migration).
PINNED_LOGICAL_IDS = {
    "AWS::KMS::Key": ["AlarmTopicKey31769A28", "DataKey5CEB6F76"],
    "AWS::S3::Bucket": ["BucketsAccessLogs0C4EFE68", "BucketsInputB5DF1CC8", "BucketsModels7B9F0CF2",
                        "BucketsOutput021CF86B"],
    "AWS::SageMaker::ModelPackageGroup": ["ModelRegistryB238A970"],
    "AWS::SNS::Topic": ["AlarmTopicB56431CA"],
}
# The alarm topic's key protects notifications in transit, not data: it goes with the stack everywhere.
NOT_DATA_BEARING = {"AlarmTopicKey31769A28", "AlarmTopicB56431CA"}


@pytest.fixture(scope="module")
def data_templates(synthesized) -> dict[str, dict]:
    templates = synthesized.templates()
    return {stage: templates[f"{stage}/Data"] for stage in STAGES}


def resources_of(template: dict, resource_type: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("resource_type", sorted(PINNED_LOGICAL_IDS))
def test_logical_ids_are_stable(data_templates, stage, resource_type):
    assert sorted(resources_of(data_templates[stage], resource_type)) == PINNED_LOGICAL_IDS[resource_type]


@pytest.mark.parametrize("stage", STAGES)
def test_data_bearing_resources_follow_the_environment_removal_policy(data_templates, stage):
    policy = "Retain" if BY_STAGE[stage].retain_data else "Delete"
    template = data_templates[stage]
    for resource_type in PINNED_LOGICAL_IDS:
        for logical_id, resource in resources_of(template, resource_type).items():
            if logical_id in NOT_DATA_BEARING:
                continue
            assert resource["DeletionPolicy"] == policy, logical_id
            assert resource["UpdateReplacePolicy"] == policy, logical_id


@pytest.mark.parametrize("stage", STAGES)
def test_only_environments_that_keep_no_data_empty_their_buckets_on_destroy(data_templates, stage):
    buckets = len(resources_of(data_templates[stage], "AWS::S3::Bucket"))
    expected = 0 if BY_STAGE[stage].retain_data else buckets
    assert len(resources_of(data_templates[stage], "Custom::S3AutoDeleteObjects")) == expected


@pytest.mark.parametrize("stage", STAGES)
def test_termination_protection_follows_config(synthesized, stage):
    assert synthesized.stages[stage].data.termination_protection is BY_STAGE[stage].termination_protection


@pytest.mark.parametrize("stage", STAGES)
def test_outputs_name_buckets_key_and_registry(data_templates, stage):
    assert set(data_templates[stage]["Outputs"]) >= {
        "InputBucketName", "OutputBucketName", "ModelBucketName", "AccessLogBucketName", "DataKeyArn",
        "ModelPackageGroupName"}


@pytest.mark.parametrize("stage", STAGES)
def test_names_come_from_the_environment_prefix(data_templates, stage):
    prefix = BY_STAGE[stage].name_prefix
    template = data_templates[stage]
    aliases = [r["Properties"]["AliasName"] for r in resources_of(template, "AWS::KMS::Alias").values()]
    assert sorted(aliases) == [f"alias/{prefix}-alarm-topic", f"alias/{prefix}-data"]
    groups = resources_of(template, "AWS::SageMaker::ModelPackageGroup").values()
    assert [g["Properties"]["ModelPackageGroupName"] for g in groups] == [f"{prefix}-models"]


@pytest.mark.parametrize("stage", STAGES)
def test_buckets_get_generated_names(data_templates, stage):
    for bucket in resources_of(data_templates[stage], "AWS::S3::Bucket").values():
        assert "BucketName" not in bucket["Properties"]


@pytest.mark.parametrize("stage", STAGES)
def test_every_taggable_resource_carries_the_environment_tags(data_templates, stage):
    env = BY_STAGE[stage].name
    for bucket in resources_of(data_templates[stage], "AWS::S3::Bucket").values():
        tags = {t["Key"]: t["Value"] for t in bucket["Properties"]["Tags"]}
        assert tags["environment"] == env
        assert {"project", "owner", "cost-center"} <= set(tags)


@pytest.mark.parametrize("stage", STAGES)
def test_alarm_topic_has_its_own_key_and_the_data_key_admits_no_cloudwatch(data_templates, stage):
    # Whether CloudWatch may publish (topic and key policy, with conditions) is tests/permissions' concern.
    template = data_templates[stage]
    (topic,) = resources_of(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlarmTopicKey31769A28", "Arn"]}
    (policy,) = resources_of(template, "AWS::SNS::TopicPolicy").values()
    assert "aws:SecureTransport" in str(policy["Properties"]["PolicyDocument"])
    data_key = template["Resources"]["DataKey5CEB6F76"]
    assert "cloudwatch" not in str(data_key["Properties"]["KeyPolicy"])


@pytest.mark.parametrize("stage", STAGES)
def test_stable_arns_are_exported_by_name(data_templates, stage):
    prefix = BY_STAGE[stage].name_prefix
    exports = {k: o["Export"]["Name"] for k, o in data_templates[stage]["Outputs"].items() if "Export" in o}
    assert exports == {k: f"{prefix}-{k}" for k in
                       ("DataKeyArn", "InputBucketArn", "OutputBucketArn", "ModelBucketArn", "AlarmTopicArn",
                        "AlarmTopicKeyArn")}
