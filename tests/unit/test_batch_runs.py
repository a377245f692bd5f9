"""The synthesized state machine, run in moto's Step Functions interpreter (offline): date handling, the data
prefixes and job names it computes, retries that rename the job, and the failure notification.

moto cannot run the `.sync` SageMaker integration, so the runs that reach the job swap only the task's
Resource for an aws-sdk call moto answers (tests/unit/batch_kit.py); every other state is the real one.
"""

from __future__ import annotations

import hashlib

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from moto import mock_aws
from moto.stepfunctions.parser.backend import execution_worker

from sagemaker_serving_cdk.rules.batch_naming import JOB_NAME_PATTERN, MAX_JOB_NAME_LENGTH
from stacks.application import cdk_context
from tests.unit.batch_kit import (
    ACCOUNT, INTERPRETER, MOTO_SAGEMAKER_ERROR, REGION, TASK, build, definition_of, run, with_failing_task,
    with_request_response_task,
)

SCHEDULE = {"expression": "cron(0 0 1 * ? *)"}


@pytest.fixture(autouse=True)
def redrive_count_in_context(monkeypatch):
    """AWS sets $$.Execution.RedriveCount (0 until an execution is redriven); moto's interpreter leaves it out."""
    original = execution_worker.ExecutionWorker._get_evaluation_environment

    def with_redrive_count(self):
        environment = original(self)
        environment.states.context_object.context_object_data["Execution"].setdefault("RedriveCount", 0)
        return environment

    monkeypatch.setattr(execution_worker.ExecutionWorker, "_get_evaluation_environment", with_redrive_count)


@pytest.fixture(scope="module")
def definition() -> dict:
    stack = Stack(App(context=cdk_context()), "Runs", env={"account": ACCOUNT, "region": REGION})
    build(stack, {"schedule": SCHEDULE, "throttle_retry": {"max_attempts": 1, "interval_seconds": 1}})
    return definition_of(Template.from_stack(stack))


def execution_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:batch-{name}:{name}"


def test_a_scheduled_run_reads_and_writes_the_scheduled_dates_prefixes(definition):
    with mock_aws(config=INTERPRETER):
        result = run(with_request_response_task(definition), {"scheduledTime": "2026-11-01T00:00:00Z"})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output_of("Plan run")["run"] == {
        "date": "2026-11-01", "timestamp": "2026-11-01T00:00:00Z",
        "inputUri": "s3://input-bucket/batch/scoring/2026-11-01/",
        "outputUri": "s3://output-bucket/batch/scoring/2026-11-01/",
    }
    [request] = result.scheduled("createTransformJob")
    assert request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://input-bucket/batch/scoring/2026-11-01/"
    assert request["TransformOutput"]["S3OutputPath"] == "s3://output-bucket/batch/scoring/2026-11-01/"


def test_a_manual_run_uses_the_given_date_and_a_valid_unique_job_name(definition):
    with mock_aws(config=INTERPRETER):
        first = run(with_request_response_task(definition), {"date": "2026-11-21"}, execution_name="manual-1")
        second = run(with_request_response_task(definition), {"date": "2026-11-21"}, execution_name="manual-2")
    assert first.status == second.status == "SUCCEEDED"
    names = [r.scheduled("createTransformJob")[0]["TransformJobName"] for r in (first, second)]
    token = hashlib.md5(execution_arn("manual-1").encode()).hexdigest()
    assert names[0] == f"scoring-{token}-0-0-0"
    assert names[0] != names[1]
    for name in names:
        assert JOB_NAME_PATTERN.fullmatch(name) and len(name) <= MAX_JOB_NAME_LENGTH
    assert first.scheduled("createTransformJob")[0]["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == \
        "s3://input-bucket/batch/scoring/2026-11-21/"


def test_every_retry_gets_a_new_job_name(definition):
    with mock_aws(config=INTERPRETER):
        result = run(with_failing_task(definition, retries=2), {"date": "2026-11-21"})
    names = [p["TransformJobName"] for p in result.scheduled("describeTransformJob")]
    assert len(names) == 3 and len(set(names)) == 3
    assert [name.rsplit("-", 1)[1] for name in names] == ["0", "1", "2"]  # $$.State.RetryCount
    assert all(JOB_NAME_PATTERN.fullmatch(name) for name in names)


def test_a_failed_job_notifies_the_alarm_topic_and_fails_the_execution(definition):
    with mock_aws(config=INTERPRETER):
        result = run(with_failing_task(definition, retries=0), {"date": "2026-11-21"})
    assert result.status == "FAILED"
    assert result.error == "BatchTransformFailed"
    assert "Could not find transform job" in result.cause
    assert result.entered()[-3:] == ["Capacity error?", "Notify failure", "Transform failed"]
    [message] = result.notifications
    assert message["transform"] == "scoring" and message["environment"] == "test"
    assert message["date"] == "2026-11-21"
    assert message["input"] == "s3://input-bucket/batch/scoring/2026-11-21/"
    assert message["execution"] == execution_arn("manual-1")
    assert message["error"] == MOTO_SAGEMAKER_ERROR and "Could not find transform job" in message["cause"]


@pytest.mark.parametrize("execution_input, error", [
    ({}, "BatchInput.MissingDate"),
    ({"day": "2026-11-21"}, "BatchInput.MissingDate"),
    ({"date": "2026-13-45"}, "BatchInput.InvalidDate"),
    ({"date": "21/11/2026"}, "BatchInput.InvalidDate"),
])
def test_fails_without_a_usable_date_before_any_job_starts(definition, execution_input, error):
    with mock_aws(config=INTERPRETER):
        result = run(definition, execution_input)
    assert (result.status, result.error) == ("FAILED", error)
    assert TASK not in result.entered()
    assert result.notifications == []
