"""SecureBucket and DataBuckets: encryption, privacy, TLS, logging, lifecycle and removal behaviour."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, aws_kms as kms
from aws_cdk.assertions import Match, Template

from config.data import DataConfig
from sagemaker_serving_cdk import DataBuckets, SecureBucket
from stacks import adapter


def make_buckets(stack, removal=RemovalPolicy.RETAIN, **lifecycle) -> Template:
    key = kms.Key(stack, "Key")
    DataBuckets(stack, "Buckets", encryption_key=key, removal_policy=removal,
                **adapter.bucket_lifecycle(DataConfig(**lifecycle)))
    return Template.from_stack(stack)


def bucket_with_logs_prefix(template: Template, prefix: str) -> dict:
    buckets = template.find_resources(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": {"LogFilePrefix": prefix}}}
    )
    assert len(buckets) == 1, buckets
    return next(iter(buckets.values()))


def test_creates_input_output_models_and_access_log_buckets(bare_stack):
    template = make_buckets(bare_stack)
    template.resource_count_is("AWS::S3::Bucket", 4)
    for prefix in ("Input/", "Output/", "Models/"):
        bucket_with_logs_prefix(template, prefix)


def test_data_buckets_use_sse_kms_with_bucket_keys(bare_stack):
    template = make_buckets(bare_stack)
    bucket = bucket_with_logs_prefix(template, "Input/")
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["BucketKeyEnabled"] is True
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" in rule["ServerSideEncryptionByDefault"]


def test_access_log_bucket_uses_sse_s3_because_log_delivery_requires_it(bare_stack):
    template = make_buckets(bare_stack)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "LoggingConfiguration": Match.absent(),
        },
    )


def test_every_bucket_is_versioned_private_and_owner_enforced(bare_stack):
    template = make_buckets(bare_stack)
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_every_bucket_denies_insecure_transport_and_old_tls(bare_stack):
    template = make_buckets(bare_stack)
    policies = template.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        denies = {json_key(s["Condition"]) for s in statements if s["Effect"] == "Deny"}
        assert {"Bool:aws:SecureTransport", "NumericLessThan:s3:TlsVersion"} <= denies


def json_key(condition: dict) -> str:
    operator, values = next(iter(condition.items()))
    return f"{operator}:{next(iter(values))}"


def test_lifecycle_aborts_uploads_and_expires_noncurrent_versions(bare_stack):
    template = make_buckets(bare_stack, abort_incomplete_upload_days=2, noncurrent_version_expiration_days=11)
    rules = bucket_with_logs_prefix(template, "Models/")["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "abort-incomplete-uploads", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
            "Status": "Enabled"} in rules
    assert {"Id": "expire-noncurrent-versions", "NoncurrentVersionExpiration": {"NoncurrentDays": 11},
            "Status": "Enabled"} in rules


def test_output_transitions_then_expires_after_configured_days(bare_stack):
    template = make_buckets(bare_stack, output_transition_to_ia_days=30, output_expiration_days=90)
    rules = bucket_with_logs_prefix(template, "Output/")["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "age-out-output", "ExpirationInDays": 90, "Status": "Enabled",
            "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]} in rules


def test_output_is_kept_when_no_expiration_is_configured(bare_stack):
    template = make_buckets(bare_stack)
    rules = bucket_with_logs_prefix(template, "Output/")["Properties"]["LifecycleConfiguration"]["Rules"]
    assert all(rule["Id"] != "age-out-output" for rule in rules)


def test_access_logs_expire_after_configured_days(bare_stack):
    template = make_buckets(bare_stack, access_log_expiration_days=45)
    template.has_resource_properties("AWS::S3::Bucket", {
        "LoggingConfiguration": Match.absent(),
        "LifecycleConfiguration": {"Rules": Match.array_with([
            {"Id": "expire-logs", "ExpirationInDays": 45, "Status": "Enabled"}])},
    })


def test_retain_keeps_buckets_and_adds_no_auto_delete(bare_stack):
    template = make_buckets(bare_stack, removal=RemovalPolicy.RETAIN)
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    assert template.find_resources("Custom::S3AutoDeleteObjects") == {}


def test_destroy_deletes_buckets_and_empties_them_first(bare_stack):
    template = make_buckets(bare_stack, removal=RemovalPolicy.DESTROY)
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Delete"
    assert len(template.find_resources("Custom::S3AutoDeleteObjects")) == 4


def test_secure_bucket_exposes_its_bucket_as_resource(bare_stack):
    secure = SecureBucket(bare_stack, "Lone", encryption_key=None, server_access_logs_bucket=None,
                          removal_policy=RemovalPolicy.RETAIN)
    assert secure.bucket.node.id == "Resource"
