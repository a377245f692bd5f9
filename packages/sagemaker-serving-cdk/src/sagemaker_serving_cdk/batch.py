"""A scheduled SageMaker batch transform: EventBridge Scheduler -> Step Functions -> CreateTransformJob (.sync).

The state machine (JSONPath, so moto's interpreter can run it in the tests):

    Resolve date --(date given)----> Given date ------\\
                 --(scheduledTime)-> Scheduled date ---> Plan run -> Valid date? -> First attempt
                 --(neither)-------> Missing date (Fail)               \\-> Invalid date (Fail)
    First attempt -> Run transform job -> Done
                         |  ^
                         caught error: Capacity error? --> Wait for capacity
                                                    \\-> Notify failure -> Transform failed (Fail)

The task is a CustomState rather than tasks.SageMakerCreateTransformJob: the L2 cannot render DataProcessing
(input/output filters, join source), and without a `role` it creates one with AmazonSageMakerFullAccess.
Its permissions are written out here instead, scoped to this transform's job names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_cloudwatch as cloudwatch,
    aws_iam as iam,
    aws_kms as kms,
    aws_logs as logs,
    aws_s3 as s3,
    aws_scheduler as scheduler,
    aws_scheduler_targets as targets,
    aws_sns as sns,
    aws_stepfunctions as sfn,
    aws_stepfunctions_tasks as tasks,
)
from constructs import Construct

from sagemaker_serving_cdk._acknowledge import acknowledge, nag_reference
from sagemaker_serving_cdk.execution_role import SageMakerExecutionRole
from sagemaker_serving_cdk.model import IModel

# A pure rule module still in the app until it moves into sagemaker_serving_cdk.rules (see tests/test_package.py).
from sagemaker_serving_cdk.rules.batch_naming import (
    CAPACITY_ATTEMPT_PATH,
    DATE_AS_TIMESTAMP,
    SCHEDULED_DATE,
    job_name_expression,
    s3_uri_expression,
)

# Errors of the optimized SageMaker integration: modeled exceptions keep their SDK class name; throttling and
# other unmodeled API errors arrive as SageMaker.AmazonSageMakerException.
THROTTLE_ERRORS = ("SageMaker.AmazonSageMakerException", "SageMaker.ThrottlingException", "ThrottlingException")
LIMIT_ERRORS = ("SageMaker.ResourceLimitExceededException", "SageMaker.ResourceLimitExceeded")
# A job SageMaker could not find instances for fails (States.TaskFailed) with a FailureReason like
# "CapacityError: Unable to provision requested ML compute capacity"; the cause carries DescribeTransformJob.
CAPACITY_CAUSE_PATTERNS = ("*CapacityError*", "*InsufficientInstanceCapacity*")
FAILURE_ERROR = "BatchTransformFailed"
# Step Functions' managed rule that reports SageMaker transform job state changes back to `.sync` tasks.
SYNC_EVENTS_RULE = "StepFunctionsGetEventsForSageMakerTransformJobsRule"


@dataclass(frozen=True)
class Retry:
    """A Step Functions retry of the transform task."""

    max_attempts: int
    interval: Duration
    backoff_rate: float = 2.0
    """Default: 2."""
    max_delay: Duration | None = None
    """Default: none (no cap)."""


@dataclass(frozen=True)
class TransformOptions:
    """What each transform job does (CreateTransformJob). `{name}` and `{date}` in prefixes are filled per run."""

    instance_type: str = "ml.m5.large"
    """Default: ml.m5.large."""
    instance_count: int = 1
    """Default: 1."""
    data_type: str = "S3Prefix"
    """S3Prefix or ManifestFile. Default: S3Prefix."""
    input_prefix: str = "batch/{name}/{date}/"
    """Default: batch/{name}/{date}/."""
    output_prefix: str = "batch/{name}/{date}/"
    """Default: batch/{name}/{date}/."""
    manifest_name: str | None = None
    """For ManifestFile input: the manifest's file name under the input prefix. Default: none."""
    strategy: str = "SingleRecord"
    """SingleRecord or MultiRecord. Default: SingleRecord."""
    max_payload_mb: int = 6
    """Default: 6."""
    max_concurrent_transforms: int | None = None
    """Default: SageMaker's."""
    split_type: str = "None"
    """Default: None."""
    compression: str = "None"
    """Default: None."""
    content_type: str | None = "text/csv"
    """Default: text/csv."""
    accept: str | None = "text/csv"
    """Default: text/csv."""
    assemble_with: str = "None"
    """Default: None."""
    input_filter: str | None = None
    """Default: none (all of each record)."""
    output_filter: str | None = None
    """Default: none."""
    join_source: str = "None"
    """Input: write each input record next to its prediction. Default: None."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Default: none."""
    encrypt_output: bool = True
    """Encrypt results with `key`. Default: True."""
    encrypt_volume: bool = True
    """Encrypt the instances' EBS volume with `key` (False for NVMe instance types). Default: True."""
    invocation_timeout: Duration = Duration.minutes(10)
    """Default: 10 minutes."""
    invocation_max_retries: int = 1
    """Default: 1."""
    timeout: Duration = Duration.hours(24)
    """The state machine stops a job running longer than this. Default: 24 hours."""
    throttle_retry: Retry = Retry(max_attempts=5, interval=Duration.seconds(10), max_delay=Duration.minutes(5))
    """CreateTransformJob throttled: retried with a fresh job name. Default: 5 attempts from 10 s, at most 5 min."""
    limit_retry: Retry = Retry(max_attempts=5, interval=Duration.minutes(5), max_delay=Duration.hours(1))
    """ResourceLimitExceeded: wait for capacity to free up. Default: 5 attempts from 5 min, at most 1 h."""
    capacity_retry: Retry = Retry(max_attempts=3, interval=Duration.minutes(10))
    """A job failed with a CapacityError: a new job after a wait that doubles. Default: 3 attempts from 10 min."""


@dataclass(frozen=True)
class ScheduleOptions:
    """How EventBridge Scheduler delivers the runs."""

    enabled: bool = True
    """Default: True."""
    flexible_window: Duration | None = None
    """Default: off (start on time)."""
    start: datetime | None = None
    """Default: now."""
    end: datetime | None = None
    """Default: never."""
    retry_attempts: int = 10
    """Default: 10."""
    max_event_age: Duration = Duration.hours(6)
    """Default: 6 hours."""


class ScheduledBatchTransform(Construct):
    """One named transform: its schedule, its state machine (id `Resource`), the state machine's role and logs.

    :param name: the transform's short name; it starts every job name and fills `{name}` in prefixes.
    :param model: the SageMaker model the jobs run. Its role (when known) gets `key` for output and volume
        encryption.
    :param schedule: when it runs, e.g. `ScheduleExpression.cron(...)` or `.expression("cron(...)", time_zone)`.
    :param transform: what each job does. Default: TransformOptions().
    :param schedule_options: delivery of the runs. Default: ScheduleOptions().
    :param input_bucket, output_bucket: where input is read and results land.
    :param key: encrypts results, instance volumes and the execution logs.
    :param alarm_topic: a failed run publishes here before the execution fails.
    :param alarm_topic_key: the topic's KMS key (publishing to an SSE-KMS topic needs it as well as sns:Publish).
    :param log_retention: how long execution logs are kept. Default: one year.
    :param log_group_prefix: log group names start with this (under /aws/vendedlogs/states/, which keeps
        Step Functions out of the account's size-limited CloudWatch Logs resource policy).
    :param environment_name: named in failure notifications. Default: none.
    :param job_tags: tags every transform job carries (cost allocation). Default: none.
    :param removal_policy: of the log group. Default: DESTROY (the retention is what keeps logs).
    :param state_machine_name: a fixed name, so other stacks (the dashboard) can address the state machine
        without a cross-stack export; definition changes update it in place. Default: generated.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        model: IModel,
        schedule: scheduler.ScheduleExpression,
        input_bucket: s3.IBucket,
        output_bucket: s3.IBucket,
        key: kms.IKey,
        alarm_topic: sns.ITopic,
        alarm_topic_key: kms.IKey,
        log_group_prefix: str,
        transform: TransformOptions = TransformOptions(),
        schedule_options: ScheduleOptions = ScheduleOptions(),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        environment_name: str | None = None,
        job_tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        state_machine_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        self.settings = transform
        settings = transform
        data_key = key
        stack = Stack.of(self)
        self.job_arn_pattern = stack.format_arn(
            service="sagemaker", resource="transform-job", resource_name=f"{name}-*"
        )

        self.role = iam.Role(
            self,
            "Role",
            description=f"Runs the {name} batch transform state machine",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
        )
        self._grant_transform_jobs(stack)
        if model.role is not None:
            self._grant_execution_role(model.role, data_key, settings)

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{log_group_prefix}-{name}",
            retention=log_retention,
            encryption_key=data_key,
            removal_policy=removal_policy,
        )

        self.task_state = self._task_state(
            stack, model.model_name, input_bucket, output_bucket, data_key, job_tags or {}
        )
        definition = self._definition(input_bucket, output_bucket, alarm_topic, alarm_topic_key, environment_name)
        self.state_machine = sfn.StateMachine(
            self,
            "Resource",
            state_machine_name=state_machine_name,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            role=self.role,
            state_machine_type=sfn.StateMachineType.STANDARD,
            comment=f"Batch transform {name}: resolve the date, run the job, retry capacity errors, notify on failure",
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )
        self.state_machine.node.add_dependency(self.role)

        self.schedule = self._schedule(schedule, schedule_options)
        self._acknowledge(stack)

    # ------------------------------------------------------------------------------------------- public

    @property
    def state_machine_arn(self) -> str:
        return self.state_machine.state_machine_arn

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Run a transform by hand (`aws stepfunctions start-execution --input '{"date": "YYYY-MM-DD"}'`)."""
        return self.state_machine.grant_start_execution(grantee)

    def metric_failed(self, **kwargs: Any) -> cloudwatch.Metric:
        """Executions that ended failed (after retries and the failure notification)."""
        return self.state_machine.metric_failed(**kwargs)

    def metric_succeeded(self, **kwargs: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_succeeded(**kwargs)

    # ------------------------------------------------------------------------------------------- IAM

    def _grant_transform_jobs(self, stack: Stack) -> None:
        # What the `.sync` integration calls, on this transform's job names only (they all start with `name-`).
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "sagemaker:CreateTransformJob",
                    "sagemaker:DescribeTransformJob",
                    "sagemaker:StopTransformJob",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                resources=[self.job_arn_pattern],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[stack.format_arn(service="events", resource="rule", resource_name=SYNC_EVENTS_RULE)],
            )
        )
        # No iam:PassRole: CreateTransformJob takes no role; the job runs as the model's execution role.

    def _grant_execution_role(self, role: SageMakerExecutionRole, key: kms.IKey, settings: TransformOptions) -> None:
        if settings.encrypt_output or settings.encrypt_volume:
            role.grant_key(key)
        if settings.encrypt_volume:
            # SageMaker attaches the encrypted volume through a grant it creates on the role's behalf.
            role.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["kms:CreateGrant"],
                    resources=[key.key_arn],
                    conditions={"Bool": {"kms:GrantIsForAWSResource": True}},
                )
            )

    # ------------------------------------------------------------------------------------------- states

    def _task_state(
        self,
        stack: Stack,
        model_name: str,
        input_bucket: s3.IBucket,
        output_bucket: s3.IBucket,
        key: kms.IKey,
        job_tags: Mapping[str, str],
    ) -> sfn.CustomState:
        s = self.settings
        transform_input: dict[str, Any] = {
            "DataSource": {"S3DataSource": {"S3DataType": s.data_type, "S3Uri.$": "$.run.inputUri"}},
            "SplitType": s.split_type,
            "CompressionType": s.compression,
        }
        if s.content_type:
            transform_input["ContentType"] = s.content_type
        transform_output: dict[str, Any] = {"S3OutputPath.$": "$.run.outputUri", "AssembleWith": s.assemble_with}
        if s.accept:
            transform_output["Accept"] = s.accept
        if s.encrypt_output:
            transform_output["KmsKeyId"] = key.key_arn
        resources: dict[str, Any] = {"InstanceType": s.instance_type, "InstanceCount": s.instance_count}
        if s.encrypt_volume:
            resources["VolumeKmsKeyId"] = key.key_arn
        parameters: dict[str, Any] = {
            "TransformJobName.$": job_name_expression(self.name),
            "ModelName": model_name,
            "BatchStrategy": s.strategy,
            "MaxPayloadInMB": s.max_payload_mb,
            "ModelClientConfig": {
                "InvocationsTimeoutInSeconds": _seconds(s.invocation_timeout),
                "InvocationsMaxRetries": s.invocation_max_retries,
            },
            "TransformInput": transform_input,
            "TransformOutput": transform_output,
            "TransformResources": resources,
        }
        if s.max_concurrent_transforms is not None:
            parameters["MaxConcurrentTransforms"] = s.max_concurrent_transforms
        if s.environment:
            parameters["Environment"] = dict(s.environment)
        processing = {
            "InputFilter": s.input_filter,
            "OutputFilter": s.output_filter,
            "JoinSource": s.join_source if s.join_source != "None" else None,
        }
        if any(processing.values()):
            parameters["DataProcessing"] = {k: v for k, v in processing.items() if v is not None}
        tags = {**job_tags, "batch-transform": self.name}
        parameters["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]

        task = sfn.CustomState(
            self,
            "Run transform job",
            state_json={
                "Type": "Task",
                "Comment": "CreateTransformJob and wait for it (.sync); Step Functions stops the job on timeout",
                "Resource": f"arn:{stack.partition}:states:::sagemaker:createTransformJob.sync",
                "Parameters": parameters,
                "ResultSelector": {
                    "name.$": "$.TransformJobName",
                    "arn.$": "$.TransformJobArn",
                    "status.$": "$.TransformJobStatus",
                    "output.$": "$.TransformOutput.S3OutputPath",
                },
                "ResultPath": "$.job",
                "TimeoutSeconds": _seconds(s.timeout),
            },
        )
        task.add_retry(**_retry(THROTTLE_ERRORS, s.throttle_retry))
        task.add_retry(**_retry(LIMIT_ERRORS, s.limit_retry))
        return task

    def _definition(
        self,
        input_bucket: s3.IBucket,
        output_bucket: s3.IBucket,
        topic: sns.ITopic,
        topic_key: kms.IKey,
        environment_name: str | None,
    ) -> sfn.IChainable:
        s = self.settings
        missing = sfn.Fail(
            self,
            "Missing date",
            error="BatchInput.MissingDate",
            cause='Start the execution with {"date": "YYYY-MM-DD"} (the scheduler sends scheduledTime)',
        )
        invalid = sfn.Fail(
            self,
            "Invalid date",
            error="BatchInput.InvalidDate",
            cause='"date" must be a calendar date written YYYY-MM-DD',
        )
        given = sfn.Pass(self, "Given date", parameters={"date.$": "$.date"}, result_path="$.run")
        scheduled = sfn.Pass(self, "Scheduled date", parameters={"date.$": SCHEDULED_DATE}, result_path="$.run")
        manifest = s.manifest_name or ""
        plan = sfn.Pass(
            self,
            "Plan run",
            result_path="$.run",
            parameters={
                "date.$": "$.run.date",
                "timestamp.$": DATE_AS_TIMESTAMP,
                "inputUri.$": s3_uri_expression(input_bucket.bucket_name, s.input_prefix, self.name, manifest),
                "outputUri.$": s3_uri_expression(output_bucket.bucket_name, s.output_prefix, self.name),
            },
        )
        first = sfn.Pass(
            self,
            "First attempt",
            result_path="$.capacity",
            result=sfn.Result.from_object({"attempt": 0, "waitSeconds": _seconds(s.capacity_retry.interval)}),
        )
        done = sfn.Succeed(self, "Done")

        capacity_wait = sfn.Wait(self, "Wait for capacity", time=sfn.WaitTime.seconds_path("$.capacity.waitSeconds"))
        next_attempt = sfn.Pass(
            self,
            "Next capacity attempt",
            result_path="$.capacity",
            parameters={
                "attempt.$": f"States.MathAdd({CAPACITY_ATTEMPT_PATH}, 1)",
                "waitSeconds.$": "States.MathAdd($.capacity.waitSeconds, $.capacity.waitSeconds)",
            },
        )
        failed = sfn.Fail(self, "Transform failed", error=FAILURE_ERROR, cause_path="$.error.Cause")
        notify = tasks.SnsPublish(
            self,
            "Notify failure",
            topic=topic,
            subject=f"Batch transform {self.name} failed" + (f" ({environment_name})" if environment_name else ""),
            message=sfn.TaskInput.from_object(
                {
                    "transform": self.name,
                    "environment": environment_name or "",
                    "date": sfn.JsonPath.string_at("$.run.date"),
                    "input": sfn.JsonPath.string_at("$.run.inputUri"),
                    "execution": sfn.JsonPath.string_at("$$.Execution.Id"),
                    "capacityAttempts": sfn.JsonPath.number_at(CAPACITY_ATTEMPT_PATH),
                    "error": sfn.JsonPath.string_at("$.error.Error"),
                    "cause": sfn.JsonPath.string_at("$.error.Cause"),
                }
            ),
            result_path=sfn.JsonPath.DISCARD,
        )
        notify.add_retry(errors=["States.ALL"], interval=Duration.seconds(5), max_attempts=3, backoff_rate=2)
        # Whether or not the notification went out, the execution fails with the job's error.
        notify.add_catch(failed, errors=["States.ALL"], result_path="$.notifyError")
        # Publishing to the KMS-encrypted topic needs the key as well as sns:Publish.
        topic_key.grant(self.role, "kms:Decrypt", "kms:GenerateDataKey*")

        capacity_error = sfn.Condition.or_(
            *[sfn.Condition.string_matches("$.error.Cause", p) for p in CAPACITY_CAUSE_PATTERNS]
        )
        after_error = (
            sfn.Choice(self, "Capacity error?")
            .when(
                sfn.Condition.and_(
                    capacity_error, sfn.Condition.number_less_than(CAPACITY_ATTEMPT_PATH, s.capacity_retry.max_attempts)
                ),
                capacity_wait.next(next_attempt).next(self.task_state),
            )
            .otherwise(notify.next(failed))
        )
        self.task_state.add_catch(after_error, errors=["States.ALL"], result_path="$.error")

        run = first.next(self.task_state.next(done))
        valid = (
            sfn.Choice(self, "Valid date?").when(sfn.Condition.is_timestamp("$.run.timestamp"), run).otherwise(invalid)
        )
        plan.next(valid)
        return (
            sfn.Choice(self, "Resolve date")
            .when(sfn.Condition.is_present("$.date"), given.next(plan))
            .when(sfn.Condition.is_present("$.scheduledTime"), scheduled.next(plan))
            .otherwise(missing)
        )

    # ------------------------------------------------------------------------------------------- schedule

    def _schedule(self, expression: scheduler.ScheduleExpression, schedule: ScheduleOptions) -> scheduler.Schedule:
        stack = Stack.of(self)
        # Our own role (rather than the target's per-stack singleton) so its findings are acknowledged here;
        # the target grants it states:StartExecution on this state machine only.
        self.schedule_role = iam.Role(
            self,
            "ScheduleRole",
            description=f"Lets EventBridge Scheduler start the {self.name} batch transform",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler", resource="schedule-group", resource_name="default"
                        ),
                    }
                },
            ),
        )
        window = (
            scheduler.TimeWindow.flexible(schedule.flexible_window)
            if schedule.flexible_window
            else scheduler.TimeWindow.off()
        )
        target = targets.StepFunctionsStartExecution(
            self.state_machine,
            # The date comes from the scheduled time, not the time of delivery: a late or retried start
            # still processes the folder of the day it was meant for.
            input=scheduler.ScheduleTargetInput.from_object(
                {
                    "scheduledTime": scheduler.ContextAttribute.scheduled_time,
                    "schedule": scheduler.ContextAttribute.schedule_arn,
                }
            ),
            retry_attempts=schedule.retry_attempts,
            max_event_age=schedule.max_event_age,
            role=self.schedule_role,
        )
        return scheduler.Schedule(
            self,
            "Schedule",
            schedule=expression,
            target=target,
            description=f"Starts the {self.name} batch transform",
            enabled=schedule.enabled,
            time_window=window,
            start=schedule.start,
            end=schedule.end,
        )

    # ------------------------------------------------------------------------------------------- findings

    def _acknowledge(self, stack: Stack) -> None:
        inline = (
            "The role's only policy is the inline default policy CDK writes for its grants, scoped to this one "
            "role and reviewed with it; a managed policy would be a separately attachable copy with no benefit."
        )
        for role in (self.role, self.schedule_role):
            acknowledge(role, {"NIST.800.53.R5-IAMNoInlinePolicy": inline, "HIPAA.Security-IAMNoInlinePolicy": inline})
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM5[Resource::{nag_reference(self, self.job_arn_pattern)}]": (
                    "Transform job names are made per execution and attempt at run time; the grant covers only "
                    f"names starting with this transform's '{self.name}-'"
                ),
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": (
                    "Publishing to the KMS-encrypted alarm topic: GenerateDataKey variants on the topic's key only"
                ),
                "AwsSolutions-IAM5[Resource::*]": (
                    "CloudWatch Logs vended delivery (logs:CreateLogDelivery and friends) and X-Ray trace writes, "
                    "which "
                    "CDK adds for the state machine's logging and tracing, support no resource-level permissions"
                ),
            },
        )


def _retry(errors: Sequence[str], retry: Retry) -> dict[str, Any]:
    return {
        "errors": list(errors),
        "interval": retry.interval,
        "max_attempts": retry.max_attempts,
        "backoff_rate": retry.backoff_rate,
        "max_delay": retry.max_delay,
        "jitter_strategy": sfn.JitterType.FULL,
    }


def _seconds(duration: Duration) -> int:
    return int(duration.to_seconds())
