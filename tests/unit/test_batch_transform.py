"""ScheduledBatchTransform: the schedule, the state-machine definition, IAM and logging, in a bare stack."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_serving_cdk.rules.batch_naming import job_name_expression
from sagemaker_serving_cdk.batch import FAILURE_ERROR, LIMIT_ERRORS, THROTTLE_ERRORS
from tests.unit.batch_kit import KEY_ARN, TASK, TOPIC_ARN, build, definition_of
from tests.unit.serving_kit import actions_of, only, policy_statements

MONTHLY = {"expression": "cron(0 0 1 * ? *)"}


@pytest.fixture
def template(bare_stack) -> Template:
    build(bare_stack)
    return Template.from_stack(bare_stack)


@pytest.fixture
def definition(template) -> dict:
    return definition_of(template)


def template_for(stack, settings: dict, **props) -> Template:
    build(stack, settings, **props)
    return Template.from_stack(stack)


def task_of(stack, settings: dict) -> dict:
    return definition_of(template_for(stack, settings))["States"][TASK]


# ------------------------------------------------------------------------------------------- the chain


def test_schedule_starts_the_state_machine_with_the_scheduled_time(template):
    schedule = only(template.find_resources("AWS::Scheduler::Schedule"))["Properties"]
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == 1
    machine_id = next(iter(machines))
    assert schedule["Target"]["Arn"] == {"Ref": machine_id}
    assert json.loads(schedule["Target"]["Input"])["scheduledTime"] == "<aws.scheduler.scheduled-time>"
    assert schedule["ScheduleExpression"] == "cron(0 0 1 * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["State"] == "ENABLED"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 6 * 3600}


def test_schedule_options_reach_the_template(bare_stack):
    template = template_for(bare_stack, {"schedule": {
        "expression": "rate(7 days)", "timezone": "Europe/Berlin", "enabled": False, "flexible_window_minutes": 45,
        "start": "2027-01-01T00:00:00+00:00", "end": "2027-12-31T00:00:00+00:00", "retry_attempts": 3,
        "max_event_age_hours": 2}})
    template.has_resource_properties("AWS::Scheduler::Schedule", {
        "ScheduleExpression": "rate(7 days)",
        "ScheduleExpressionTimezone": "Europe/Berlin",
        "State": "DISABLED",
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 45},
        "StartDate": Match.string_like_regexp(r"^2027-01-01T00:00:00"),
        "EndDate": Match.string_like_regexp(r"^2027-12-31T00:00:00"),
        "Target": Match.object_like({"RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 7200}}),
    })


def test_the_task_runs_create_transform_job_and_waits_for_it(definition):
    task = definition["States"][TASK]
    assert task["Type"] == "Task"
    assert task["Resource"] == "arn:aws:states:::sagemaker:createTransformJob.sync"  # RUN_JOB
    assert task["TimeoutSeconds"] == 24 * 3600
    assert task["Next"] == "Done"
    assert task["Parameters"]["ModelName"] == "the-model"


def test_job_name_is_derived_from_the_name_execution_and_attempt(definition):
    name = definition["States"][TASK]["Parameters"]["TransformJobName.$"]
    assert name == job_name_expression("scoring")
    assert name.startswith("States.Format('scoring-{}-{}-{}-{}'")
    for part in ("States.Hash($$.Execution.Id, 'MD5')", "$$.Execution.RedriveCount", "$.capacity.attempt",
                 "$$.State.RetryCount"):
        assert part in name


def test_data_prefixes_are_templated_by_the_date(definition):
    plan = definition["States"]["Plan run"]["Parameters"]
    assert plan["inputUri.$"] == "States.Format('s3://input-bucket/batch/scoring/{}/', $.run.date)"
    assert plan["outputUri.$"] == "States.Format('s3://output-bucket/batch/scoring/{}/', $.run.date)"
    assert definition["States"]["Scheduled date"]["Parameters"] == {
        "date.$": "States.ArrayGetItem(States.StringSplit($.scheduledTime, 'T'), 0)"}
    assert definition["States"]["Given date"]["Parameters"] == {"date.$": "$.date"}
    source = definition["States"][TASK]["Parameters"]["TransformInput"]["DataSource"]["S3DataSource"]
    assert source == {"S3DataType": "S3Prefix", "S3Uri.$": "$.run.inputUri"}
    assert definition["States"][TASK]["Parameters"]["TransformOutput"]["S3OutputPath.$"] == "$.run.outputUri"


def test_the_date_is_checked_before_any_job_starts(definition):
    states = definition["States"]
    assert definition["StartAt"] == "Resolve date"
    resolve = states["Resolve date"]
    assert [c["Variable"] for c in resolve["Choices"]] == ["$.date", "$.scheduledTime"]
    assert states[resolve["Default"]]["Type"] == "Fail"
    assert states[resolve["Default"]]["Error"] == "BatchInput.MissingDate"
    valid = states["Valid date?"]
    assert valid["Choices"] == [{"Variable": "$.run.timestamp", "IsTimestamp": True, "Next": "First attempt"}]
    assert states[valid["Default"]]["Error"] == "BatchInput.InvalidDate"


def test_manifest_input_points_at_the_manifest(bare_stack):
    definition = definition_of(template_for(bare_stack, {"schedule": MONTHLY, "data_type": "ManifestFile",
                                                         "input_prefix": "manifests/{date}/"}))
    assert definition["States"]["Plan run"]["Parameters"]["inputUri.$"] == \
        "States.Format('s3://input-bucket/manifests/{}/manifest.json', $.run.date)"
    source = definition["States"][TASK]["Parameters"]["TransformInput"]["DataSource"]["S3DataSource"]
    assert source["S3DataType"] == "ManifestFile"


def test_separate_output_prefix(bare_stack):
    definition = definition_of(template_for(bare_stack, {"schedule": MONTHLY, "output_prefix": "scores/{name}/{date}/"}))
    assert definition["States"]["Plan run"]["Parameters"]["outputUri.$"] == \
        "States.Format('s3://output-bucket/scores/scoring/{}/', $.run.date)"


# ------------------------------------------------------------------------------------------- retries and failure


def test_throttling_and_limits_are_retried_with_backoff(definition):
    retries = definition["States"][TASK]["Retry"]
    assert retries == [
        {"ErrorEquals": list(THROTTLE_ERRORS), "IntervalSeconds": 10, "MaxAttempts": 5, "BackoffRate": 2,
         "MaxDelaySeconds": 300, "JitterStrategy": "FULL"},
        {"ErrorEquals": list(LIMIT_ERRORS), "IntervalSeconds": 300, "MaxAttempts": 5, "BackoffRate": 2,
         "MaxDelaySeconds": 3600, "JitterStrategy": "FULL"},
    ]
    assert "SageMaker.AmazonSageMakerException" in THROTTLE_ERRORS
    assert "SageMaker.ResourceLimitExceededException" in LIMIT_ERRORS


def test_retry_settings_come_from_config(bare_stack):
    task = task_of(bare_stack, {"schedule": MONTHLY, "throttle_retry": {"max_attempts": 2, "interval_seconds": 3,
                                                                         "backoff_rate": 1.5}})
    assert task["Retry"][0] == {"ErrorEquals": list(THROTTLE_ERRORS), "IntervalSeconds": 3, "MaxAttempts": 2,
                                "BackoffRate": 1.5, "JitterStrategy": "FULL"}


def test_capacity_errors_start_a_new_job_after_a_growing_wait(definition):
    states = definition["States"]
    assert states[TASK]["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Capacity error?"}]
    choice = states["Capacity error?"]
    rule = choice["Choices"][0]
    assert rule["Next"] == "Wait for capacity"
    matched = rule["And"][0]["Or"]
    assert {"Variable": "$.error.Cause", "StringMatches": "*CapacityError*"} in matched
    assert rule["And"][1] == {"Variable": "$.capacity.attempt", "NumericLessThan": 3}
    assert states["First attempt"]["Result"] == {"attempt": 0, "waitSeconds": 600}
    assert states["Wait for capacity"] == {"Type": "Wait", "SecondsPath": "$.capacity.waitSeconds",
                                           "Next": "Next capacity attempt"}
    assert states["Next capacity attempt"]["Parameters"] == {
        "attempt.$": "States.MathAdd($.capacity.attempt, 1)",
        "waitSeconds.$": "States.MathAdd($.capacity.waitSeconds, $.capacity.waitSeconds)",
    }
    assert states["Next capacity attempt"]["Next"] == TASK


def test_failure_notifies_the_alarm_topic_then_fails(definition):
    states = definition["States"]
    assert states["Capacity error?"]["Default"] == "Notify failure"
    notify = states["Notify failure"]
    assert notify["Resource"] == "arn:aws:states:::sns:publish"
    assert notify["Parameters"]["TopicArn"] == TOPIC_ARN
    assert notify["Parameters"]["Subject"] == "Batch transform scoring failed (test)"
    message = notify["Parameters"]["Message"]
    assert message["error.$"] == "$.error.Error" and message["cause.$"] == "$.error.Cause"
    assert message["execution.$"] == "$$.Execution.Id" and message["date.$"] == "$.run.date"
    assert notify["Next"] == "Transform failed"
    assert notify["Catch"][0]["Next"] == "Transform failed"  # a failed notification still fails the run
    assert states["Transform failed"] == {"Type": "Fail", "Error": FAILURE_ERROR, "CausePath": "$.error.Cause"}


# ------------------------------------------------------------------------------------------- transform options


def test_every_transform_option_reaches_the_request(bare_stack):
    parameters = task_of(bare_stack, {
        "schedule": MONTHLY, "instance_type": "ml.c5.2xlarge", "instance_count": 3, "strategy": "MultiRecord",
        "max_payload_mb": 20, "max_concurrent_transforms": 5, "split_type": "Line", "compression": "Gzip",
        "content_type": "application/jsonlines", "accept": "application/jsonlines", "assemble_with": "Line",
        "input_filter": "$.features", "output_filter": "$['id','SageMakerOutput']", "join_source": "Input",
        "environment": {"MODEL_THRESHOLD": "0.7"}, "invocation_timeout_seconds": 900, "invocation_max_retries": 3,
    })["Parameters"]
    assert parameters["BatchStrategy"] == "MultiRecord"
    assert parameters["MaxPayloadInMB"] == 20
    assert parameters["MaxConcurrentTransforms"] == 5
    assert parameters["Environment"] == {"MODEL_THRESHOLD": "0.7"}
    assert parameters["ModelClientConfig"] == {"InvocationsTimeoutInSeconds": 900, "InvocationsMaxRetries": 3}
    assert parameters["TransformInput"] == {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.run.inputUri"}},
        "SplitType": "Line", "CompressionType": "Gzip", "ContentType": "application/jsonlines"}
    assert parameters["TransformOutput"] == {"S3OutputPath.$": "$.run.outputUri", "AssembleWith": "Line",
                                             "Accept": "application/jsonlines", "KmsKeyId": KEY_ARN}
    assert parameters["TransformResources"] == {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 3,
                                                "VolumeKmsKeyId": KEY_ARN}
    assert parameters["DataProcessing"] == {"InputFilter": "$.features", "OutputFilter": "$['id','SageMakerOutput']",
                                            "JoinSource": "Input"}


def test_defaults_leave_out_what_sagemaker_defaults(definition):
    parameters = definition["States"][TASK]["Parameters"]
    assert "DataProcessing" not in parameters
    assert "MaxConcurrentTransforms" not in parameters
    assert "Environment" not in parameters
    assert parameters["BatchStrategy"] == "SingleRecord" and parameters["MaxPayloadInMB"] == 6


def test_keys_can_be_left_out(bare_stack):
    parameters = task_of(bare_stack, {"schedule": MONTHLY, "instance_type": "ml.g5.xlarge", "encrypt_volume": False,
                                      "encrypt_output": False})["Parameters"]
    assert "VolumeKmsKeyId" not in parameters["TransformResources"]
    assert "KmsKeyId" not in parameters["TransformOutput"]


def test_jobs_carry_the_given_tags(bare_stack):
    stack = bare_stack
    build(stack, job_tags={"project": "p", "environment": "test"})
    tags = definition_of(Template.from_stack(stack))["States"][TASK]["Parameters"]["Tags"]
    assert tags == [{"Key": "batch-transform", "Value": "scoring"}, {"Key": "environment", "Value": "test"},
                    {"Key": "project", "Value": "p"}]


# ------------------------------------------------------------------------------------------- IAM and logging


def test_state_machine_uses_its_own_least_privilege_role(template):
    machine = only(template.find_resources("AWS::StepFunctions::StateMachine"))
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    role = template.find_resources("AWS::IAM::Role")[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]
    assert "ManagedPolicyArns" not in role
    assert "AmazonSageMakerFullAccess" not in json.dumps(template.to_json())


def test_sagemaker_permissions_cover_only_this_transforms_jobs(template):
    statements = policy_statements(template)
    sagemaker = [s for s in statements if any(a.startswith("sagemaker:") for a in actions_of(s))]
    assert len(sagemaker) == 1
    assert sorted(actions_of(sagemaker[0])) == ["sagemaker:AddTags", "sagemaker:CreateTransformJob",
                                                "sagemaker:DescribeTransformJob", "sagemaker:ListTags",
                                                "sagemaker:StopTransformJob"]
    assert sagemaker[0]["Resource"] == "arn:aws:sagemaker:us-east-1:123456789012:transform-job/scoring-*"
    events = next(s for s in statements if "events:PutRule" in actions_of(s))
    assert events["Resource"] == \
        "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule"
    all_actions = {a for s in statements for a in actions_of(s)}
    assert "iam:PassRole" not in all_actions  # CreateTransformJob takes no role
    assert not any(a == "*" or a.endswith(":*") for a in all_actions)


def test_publishes_only_to_the_alarm_topic(template):
    publish = [s for s in policy_statements(template) if "sns:Publish" in actions_of(s)]
    assert [s["Resource"] for s in publish] == [TOPIC_ARN]


def test_execution_role_gets_the_key_for_volume_and_output(template):
    grants = [s for s in policy_statements(template) if "kms:CreateGrant" in actions_of(s)]
    assert grants == [{"Action": "kms:CreateGrant", "Effect": "Allow", "Resource": KEY_ARN,
                       "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}}}]


def test_logs_to_an_encrypted_log_group_with_retention_and_traces(template):
    template.has_resource_properties("AWS::Logs::LogGroup", {
        "LogGroupName": "/aws/vendedlogs/states/test-batch-scoring",
        "RetentionInDays": 30,
        "KmsKeyId": KEY_ARN,
    })
    machine = only(template.find_resources("AWS::StepFunctions::StateMachine"))["Properties"]
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is True
    assert machine["StateMachineType"] == "STANDARD"


def test_the_scheduler_may_only_start_this_state_machine(template):
    schedule = only(template.find_resources("AWS::Scheduler::Schedule"))["Properties"]
    role_id = schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = template.find_resources("AWS::IAM::Role")[role_id]["Properties"]
    condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:SourceAccount"] == "123456789012"
    start = [s for s in policy_statements(template) if "states:StartExecution" in actions_of(s)]
    assert len(start) == 1 and start[0]["Resource"] == schedule["Target"]["Arn"]


def test_primary_resource_is_the_state_machine(bare_stack):
    transform = build(bare_stack)
    assert transform.state_machine.node.id == "Resource"
    assert transform.node.find_child("Resource") is transform.state_machine


def test_fails_on_a_log_retention_cloudwatch_does_not_offer(bare_stack):
    with pytest.raises(ValueError, match=r"log_retention_days = 42: not a CloudWatch Logs retention period; allowed: 1, 3, 5"):
        build(bare_stack, log_retention_days=42)
