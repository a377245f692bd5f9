"""S3 buckets for inference data: one hardened bucket construct and the environment's set of buckets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, aws_kms as kms, aws_s3 as s3
from constructs import Construct

from sagemaker_serving_cdk._acknowledge import acknowledge
from sagemaker_serving_cdk.rules.s3_layout import ASYNC_PREFIX


class SecureBucket(Construct):
    """A private, versioned, TLS-only S3 bucket encrypted with a KMS key (S3 bucket keys on).

    :param encryption_key: the KMS key for SSE-KMS. None: SSE-S3, which is what S3 requires of a bucket
        that receives server access logs.
    :param server_access_logs_bucket: where S3 writes access logs for this bucket. None: no access logs
        (only for the access-log bucket itself).
    :param lifecycle_rules: rules to apply. Default: none.
    :param removal_policy: RETAIN keeps the bucket with the stack's deletion; DESTROY deletes it and, with
        `auto_delete_objects`, empties it first.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None,
        server_access_logs_bucket: s3.IBucket | None,
        removal_policy: RemovalPolicy,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = removal_policy == RemovalPolicy.DESTROY
        self.bucket = s3.Bucket(
            self,
            "Resource",
            encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=encryption_key,
            bucket_key_enabled=True if encryption_key else None,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            server_access_logs_bucket=server_access_logs_bucket,
            server_access_logs_prefix=f"{construct_id}/" if server_access_logs_bucket else None,
            lifecycle_rules=list(lifecycle_rules),
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        replication = (
            "Single-region by design: versioning, lifecycle and RETAIN outside dev guard against loss, and the "
            "sources of these objects (upstream data, training output) are the copy of record. Add replication "
            "per environment where the recovery objective needs a second region."
        )
        reasons = {
            "NIST.800.53.R5-S3BucketReplicationEnabled": replication,
            "HIPAA.Security-S3BucketReplicationEnabled": replication,
        }
        if encryption_key is None:
            sse_s3 = "S3 server access log delivery supports only SSE-S3 on the target bucket (not SSE-KMS)."
            reasons["NIST.800.53.R5-S3DefaultEncryptionKMS"] = sse_s3
            reasons["HIPAA.Security-S3DefaultEncryptionKMS"] = sse_s3
        acknowledge(self.bucket, reasons)


@dataclass(frozen=True)
class BucketLayout:
    """The folder conventions users drop data into and find results in (see README, Data layout)."""

    input_prefixes: tuple[str, ...] = ("training/", "validation/", "test/", "batch/")
    batch_output_prefix: str = "batch/"
    data_capture_prefix: str = "data-capture/"
    async_output_prefix: str = ASYNC_PREFIX  # config.serving.async_paths decides what goes under it
    model_prefix: str = "models/"


class DataBuckets(Construct):
    """The environment's input, output and model buckets, plus the bucket their access logs go to.

    Exposes `input`, `output`, `models` and `access_logs` (each an `s3.Bucket`) and the `layout`.

    :param encryption_key: encrypts the input, output and model buckets (SSE-KMS with bucket keys).
    :param removal_policy: RETAIN keeps the buckets (and data) when the stack goes; DESTROY empties and deletes them.
    :param output_expiration: batch output and data capture are deleted this long after they land.
        Default: none (kept).
    :param output_ia_transition: move output to Standard-IA after this long (S3 requires at least 30 days).
        Default: never.
    :param noncurrent_version_expiration: old object versions are deleted after this long. Default: 30 days.
    :param abort_incomplete_uploads_after: parts of uploads that never completed are deleted after this long.
        Default: 7 days.
    :param access_log_expiration: server access logs are deleted after this long. Default: 365 days.
    """

    layout = BucketLayout()

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        removal_policy: RemovalPolicy,
        output_expiration: Duration | None = None,
        output_ia_transition: Duration | None = None,
        noncurrent_version_expiration: Duration = Duration.days(30),
        abort_incomplete_uploads_after: Duration = Duration.days(7),
        access_log_expiration: Duration = Duration.days(365),
    ) -> None:
        super().__init__(scope, construct_id)
        common_rules = [
            s3.LifecycleRule(
                id="abort-incomplete-uploads",
                abort_incomplete_multipart_upload_after=abort_incomplete_uploads_after,
            ),
            s3.LifecycleRule(
                id="expire-noncurrent-versions",
                noncurrent_version_expiration=noncurrent_version_expiration,
            ),
        ]
        self.access_logs = SecureBucket(
            self,
            "AccessLogs",
            encryption_key=None,
            server_access_logs_bucket=None,
            removal_policy=removal_policy,
            lifecycle_rules=[
                *common_rules,
                s3.LifecycleRule(id="expire-logs", expiration=access_log_expiration),
            ],
        ).bucket

        def data_bucket(bucket_id: str, extra_rules: Sequence[s3.LifecycleRule] = ()) -> s3.Bucket:
            return SecureBucket(
                self,
                bucket_id,
                encryption_key=encryption_key,
                server_access_logs_bucket=self.access_logs,
                removal_policy=removal_policy,
                lifecycle_rules=[*common_rules, *extra_rules],
            ).bucket

        self.input = data_bucket("Input")
        self.output = data_bucket("Output", _output_rules(output_expiration, output_ia_transition))
        self.models = data_bucket("Models")


def _output_rules(expiration: Duration | None, ia_transition: Duration | None) -> list[s3.LifecycleRule]:
    transitions = []
    if ia_transition is not None:
        transitions.append(
            s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=ia_transition)
        )
    if expiration is None and not transitions:
        return []
    return [s3.LifecycleRule(id="age-out-output", transitions=transitions or None, expiration=expiration)]
