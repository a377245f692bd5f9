"""What AWS documents each runtime path needs: one row per (path, principal, actions, resource), citing the page.

A row's `targets` finds, in one stage's resolved templates, the concrete principal and resource ARNs the path
uses at run time (see targets.py). test_runtime_permissions.py evaluates every row against the synthesized
identity and resource policies of every configured stage. `allowed=False` rows state what must NOT be
possible (a trust policy that names its principals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tests.permissions import targets as t

SAGEMAKER_ROLE = "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createmodel-perms"
S3_SSE_KMS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms"
ASYNC = "https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-create-endpoint-prerequisites.html"
DATA_CAPTURE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfig.html"
GUARDRAILS = "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html"
SNS_SSE = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"
SNS_SOURCE = "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html"
SCHEDULER = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role"
SFN_ROLE = "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html"
SFN_SAGEMAKER = "https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html"
SFN_SNS = "https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html"
CONNECTIONS = "https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html"
CDK_PIPELINES = "https://docs.aws.amazon.com/cdk/v2/guide/cdk-pipeline.html"
ASSUME_ROLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html"
CONFUSED_DEPUTY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
DESCRIBE_STACKS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html"
INVOKE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html"
INVOKE_ASYNC = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointAsync.html"
TRANSFORM_OUTPUT = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformOutput.html"
HOST_ROLE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html#sagemaker-CreateEndpointConfig-request-ExecutionRoleArn"
COMPONENT_ROLLING = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html"
CORE_DUMP = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantCoreDumpConfig.html"
EVENTS_SNS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions"
DESCRIBE_COMPONENT = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html"

STAGE, PIPELINE = "stage", "pipeline"


@dataclass(frozen=True)
class Requirement:
    id: str
    path: str
    principal: str
    actions: tuple[str, ...]
    resource: str
    doc: str
    targets: Callable
    allowed: bool = True


R = Requirement
REQUIREMENTS: tuple[Requirement, ...] = (
    # ---------------------------------------------------------------- endpoint and batch container start
    R("image-pull", "container start: image (framework, ECR, registry package, asset)", "model execution role",
      ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
      "the image's ECR repository", SAGEMAKER_ROLE, t.image_repositories),
    R("registry-auth", "container start: image", "model execution role", ("ecr:GetAuthorizationToken",), "*",
      SAGEMAKER_ROLE, t.registry_authorization),
    R("artifact-read", "container start: model artifact", "model execution role", ("s3:GetObject",),
      "ModelDataUrl (a registry package's artifact: the model bucket's models/)", SAGEMAKER_ROLE, t.model_artifacts),
    R("artifact-decrypt", "container start: model artifact", "model execution role", ("kms:Decrypt",),
      "the artifact bucket's KMS key (via S3)", S3_SSE_KMS, t.model_artifact_keys),
    R("container-logs", "container start and run: logs", "model execution role",
      ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
      "/aws/sagemaker/Endpoints|TransformJobs log groups", SAGEMAKER_ROLE, t.container_logs),
    R("container-metrics", "container run: metrics", "model execution role", ("cloudwatch:PutMetricData",),
      "* (namespace /aws/sagemaker/...)", SAGEMAKER_ROLE, t.container_metrics),
    # ---------------------------------------------------------------- async inference
    R("async-input", "async inference: read the request", "endpoint's execution role", ("s3:GetObject",),
      "the input location callers upload to", ASYNC, t.async_inputs),
    R("async-input-key", "async inference: read the request", "endpoint's execution role", ("kms:Decrypt",),
      "the input bucket's KMS key (via S3)", S3_SSE_KMS, t.async_input_keys),
    R("async-output", "async inference: write results and failures", "endpoint's execution role", ("s3:PutObject",),
      "S3OutputPath and S3FailurePath", ASYNC, t.async_outputs),
    R("async-output-key", "async inference: write results and failures", "endpoint's execution role",
      ("kms:Encrypt", "kms:GenerateDataKey"), "OutputConfig.KmsKeyId (via S3)", ASYNC, t.async_output_keys),
    R("async-notify", "async inference: notify", "endpoint's execution role", ("sns:Publish",),
      "the success and error topics", ASYNC, t.async_topics),
    R("async-notify-key", "async inference: notify (SSE-KMS topics)", "endpoint's execution role",
      ("kms:Decrypt", "kms:GenerateDataKey*"), "the topics' KMS keys", SNS_SSE, t.async_topic_keys),
    # ---------------------------------------------------------------- data capture
    R("capture-write", "data capture", "endpoint's execution role", ("s3:PutObject",), "DestinationS3Uri",
      DATA_CAPTURE, t.data_capture),
    R("capture-key", "data capture", "endpoint's execution role", ("kms:Encrypt", "kms:GenerateDataKey"),
      "DataCaptureConfig.KmsKeyId (via S3)", DATA_CAPTURE, t.data_capture_keys),
    # ---------------------------------------------------------------- guarded rollout
    R("rollback-alarms", "guarded rollout: rollback", "endpoint's execution role", ("cloudwatch:DescribeAlarms",),
      "AutoRollbackConfiguration alarms", GUARDRAILS, t.rollback_alarms),
    # ---------------------------------------------------------------- inference components and variant options
    # The host config's role is the one SageMaker assumes for the endpoint's components; whether it or the model's
    # role pulls a component's image is not documented, so the host role must be able to (ours is the same role).
    R("component-image-pull", "inference component start: image", "component host's execution role",
      ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
      "each component's model image repository", HOST_ROLE, t.component_images),
    R("component-artifact-read", "inference component start: model artifact", "component host's execution role",
      ("s3:GetObject",), "each component's ModelDataUrl", HOST_ROLE, t.component_artifacts),
    R("component-artifact-decrypt", "inference component start: model artifact", "component host's execution role",
      ("kms:Decrypt",), "the artifact bucket's KMS key (via S3)", S3_SSE_KMS, t.component_artifact_keys),
    R("component-rollback-alarms", "component rolling update: rollback", "component host's execution role",
      ("cloudwatch:DescribeAlarms",), "the component's AutoRollbackConfiguration alarms", COMPONENT_ROLLING,
      t.component_rollback_alarms),
    R("core-dump-write", "container crash: core dump", "endpoint's execution role", ("s3:PutObject",),
      "CoreDumpConfig.DestinationS3Uri", CORE_DUMP, t.core_dumps),
    R("core-dump-key", "container crash: core dump", "endpoint's execution role",
      ("kms:Encrypt", "kms:GenerateDataKey"), "CoreDumpConfig.KmsKeyId (via S3)", CORE_DUMP, t.core_dump_keys),
    # ---------------------------------------------------------------- deployment state changes -> SNS
    R("deployment-events-publish", "endpoint deployment state change notifies", "events.amazonaws.com",
      ("sns:Publish",), "the alarm topic (topic policy, with aws:SourceArn = the rule)", EVENTS_SNS,
      t.deployment_event_topics),
    R("deployment-events-key", "endpoint deployment state change notifies (SSE-KMS topic)", "events.amazonaws.com",
      ("kms:Decrypt", "kms:GenerateDataKey*"), "the alarm topic's KMS key (key policy; no source context)",
      SNS_SSE, t.deployment_event_topic_keys),
    # ---------------------------------------------------------------- batch: Scheduler -> Step Functions -> job
    R("scheduler-assume", "batch: schedule fires", "scheduler.amazonaws.com", ("sts:AssumeRole",),
      "the schedule's execution role (trust, with aws:SourceAccount/SourceArn)", SCHEDULER, t.schedule_role_trust),
    R("scheduler-start", "batch: schedule fires", "schedule execution role", ("states:StartExecution",),
      "the schedule's target state machine", SCHEDULER, t.schedule_targets),
    R("states-assume", "batch: state machine runs", "states.amazonaws.com", ("sts:AssumeRole",),
      "the state machine's role (trust)", SFN_ROLE, t.state_machine_trust),
    R("transform-job", "batch: createTransformJob.sync", "state machine role",
      ("sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob",
       "sagemaker:AddTags", "sagemaker:ListTags"), "transform-job/<name>-*", SFN_SAGEMAKER, t.transform_jobs),
    R("transform-job-events", "batch: createTransformJob.sync", "state machine role",
      ("events:PutTargets", "events:PutRule", "events:DescribeRule"),
      "rule/StepFunctionsGetEventsForSageMakerTransformJobsRule", SFN_SAGEMAKER, t.transform_job_events),
    R("transform-input", "batch: transform job reads input", "model execution role", ("s3:GetObject",),
      "batch/<name>/<date>/ in the input bucket", SAGEMAKER_ROLE, t.transform_inputs),
    R("transform-input-key", "batch: transform job reads input", "model execution role", ("kms:Decrypt",),
      "the input bucket's KMS key (via S3)", S3_SSE_KMS, t.transform_input_keys),
    R("transform-output", "batch: transform job writes output", "model execution role", ("s3:PutObject",),
      "batch/<name>/<date>/ in the output bucket", SAGEMAKER_ROLE, t.transform_outputs),
    R("transform-output-key", "batch: transform job writes output", "model execution role",
      ("kms:Encrypt", "kms:GenerateDataKey"), "TransformOutput.KmsKeyId (via S3)", TRANSFORM_OUTPUT,
      t.transform_output_keys),
    R("batch-notify", "batch: failure notification", "state machine role", ("sns:Publish",), "the alarm topic",
      SFN_SNS, t.failure_notifications),
    R("batch-notify-key", "batch: failure notification (SSE-KMS topic)", "state machine role",
      ("kms:Decrypt", "kms:GenerateDataKey*"), "the alarm topic's KMS key", SNS_SSE, t.failure_notification_keys),
    # ---------------------------------------------------------------- alarms -> SNS
    R("alarm-publish", "alarm notifies", "cloudwatch.amazonaws.com", ("sns:Publish",),
      "every SNS action of every alarm (topic policy, with aws:SourceAccount/SourceArn)", SNS_SOURCE, t.alarm_topics),
    R("alarm-publish-key", "alarm notifies (SSE-KMS topic)", "cloudwatch.amazonaws.com",
      ("kms:Decrypt", "kms:GenerateDataKey*"), "the topic's KMS key (key policy)", SNS_SSE, t.alarm_topic_keys),
    # ---------------------------------------------------------------- pipeline: source, deploy, smoke test
    R("source-connection", "pipeline source", "Source action role", ("{connection}:UseConnection",),
      "the connection ARN (action prefix = the ARN's service)", CONNECTIONS, t.connection_use),
    R("deploy-roles", "pipeline deploy", "pipeline role", ("sts:AssumeRole",),
      "the stage account's CDK deploy role", CDK_PIPELINES, t.deploy_roles),
    R("smoke-assume", "smoke test", "the smoke-test step's CodeBuild role", ("sts:AssumeRole",),
      "the stage's smoke-test role (identity and trust)", ASSUME_ROLE, t.smoke_assume),
    R("smoke-trust-names-principal", "smoke test", "any other role of the tooling account", ("sts:AssumeRole",),
      "the stage's smoke-test role: its trust must name the smoke-test step, not the account", CONFUSED_DEPUTY,
      t.smoke_assume_by_others, allowed=False),
    R("smoke-outputs", "smoke test: read outputs", "smoke-test role", ("cloudformation:DescribeStacks",),
      "the stage's Data stack (async probes: the input bucket's name)", DESCRIBE_STACKS, t.smoke_stacks),
    R("smoke-invoke", "smoke test: real-time, serverless, multi-model probe", "smoke-test role",
      ("sagemaker:InvokeEndpoint",), "each synchronous endpoint", INVOKE, t.smoke_invoke),
    R("smoke-describe-component", "smoke test: component probe (copies, waking from zero)", "smoke-test role",
      ("sagemaker:DescribeInferenceComponent",), "each inference component", DESCRIBE_COMPONENT,
      t.smoke_describe_components),
    R("smoke-invoke-async", "smoke test: async probe", "smoke-test role", ("sagemaker:InvokeEndpointAsync",),
      "each async endpoint", INVOKE_ASYNC, t.smoke_invoke_async),
    R("smoke-async-input", "smoke test: async probe", "smoke-test role", ("s3:PutObject",),
      "the async input location", INVOKE_ASYNC, t.smoke_async_input),
    R("smoke-async-result", "smoke test: async probe", "smoke-test role", ("s3:GetObject",),
      "the async output and failure paths", INVOKE_ASYNC, t.smoke_async_result),
    R("smoke-async-keys", "smoke test: async probe", "smoke-test role", ("kms:Decrypt", "kms:GenerateDataKey"),
      "the buckets' KMS key (via S3)", S3_SSE_KMS, t.smoke_async_keys),
)

# Rows about the pipeline itself (the tooling account) are evaluated once, not per stage.
PIPELINE_ROWS = frozenset({"source-connection"})
