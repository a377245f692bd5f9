"""Building blocks for the batch transform tests: the construct in a bare stack with literal inputs (config
settings become props through the app's adapter), its definition as plain JSON, and a run of that definition
in moto's Step Functions interpreter."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Optional

import boto3
from aws_cdk import Stack, aws_kms as kms, aws_s3 as s3, aws_sns as sns
from aws_cdk.assertions import Template

from config.batch import TransformSettings
from sagemaker_serving_cdk import Model, SageMakerExecutionRole, ScheduledBatchTransform
from stacks import adapter

ACCOUNT, REGION = "123456789012", "us-east-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
TOPIC_NAME = "alarms"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
TOPIC_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/66666666-7777-8888-9999-000000000000"
TASK = "Run transform job"


def build(stack: Stack, settings: Optional[dict] = None, *, name: str = "scoring", **props) -> ScheduledBatchTransform:
    """The construct with literal bucket names, key and topic, so its definition has no unresolved tokens."""
    settings = settings if settings is not None else {"schedule": {"expression": "cron(0 0 1 * ? *)"}}
    input_bucket = s3.Bucket.from_bucket_name(stack, "Input", "input-bucket")
    output_bucket = s3.Bucket.from_bucket_name(stack, "Output", "output-bucket")
    models = s3.Bucket.from_bucket_name(stack, "Models", "model-bucket")
    role = SageMakerExecutionRole(stack, "ExecutionRole", model_bucket=models, input_bucket=input_bucket,
                                  output_bucket=output_bucket)
    props.setdefault("environment_name", "test")
    props["log_retention"] = adapter.retention(props.pop("log_retention_days", 30))
    transform = TransformSettings.model_validate(settings)
    return ScheduledBatchTransform(
        stack, name.capitalize(), name=name, transform=adapter.transform_options(transform),
        schedule=adapter.schedule_expression(transform.schedule),
        schedule_options=adapter.schedule_options(transform.schedule),
        model=Model.from_model_name(stack, "Model", "the-model", role=role), input_bucket=input_bucket,
        output_bucket=output_bucket,
        key=kms.Key.from_key_arn(stack, "Key", KEY_ARN), alarm_topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC_ARN),
        alarm_topic_key=kms.Key.from_key_arn(stack, "TopicKey", TOPIC_KEY_ARN),
        log_group_prefix="test-batch", **props)


def definition_of(template: Template) -> dict:
    """The (single) state machine's definition, with the partition pseudo-parameter filled in."""
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == 1, list(machines)
    body = next(iter(machines.values()))["Properties"]["DefinitionString"]
    if isinstance(body, str):
        return json.loads(body)
    parts = []
    for part in body["Fn::Join"][1]:
        if part == {"Ref": "AWS::Partition"}:
            part = "aws"
        assert isinstance(part, str), f"unresolved token in the definition: {part}"
        parts.append(part)
    return json.loads("".join(parts))


@dataclass
class Run:
    status: str
    error: Optional[str]
    cause: Optional[str]
    events: list[dict]
    notifications: list[dict]

    def scheduled(self, resource: str) -> list[dict]:
        """Parameters of every TaskScheduled event for `resource` (e.g. createTransformJob), in order."""
        return [json.loads(e["taskScheduledEventDetails"]["parameters"]) for e in self.events
                if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resource"] == resource]

    def entered(self) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.events if "stateEnteredEventDetails" in e]

    def output_of(self, state: str) -> dict:
        exited = [e for e in self.events if e.get("stateExitedEventDetails", {}).get("name") == state]
        return json.loads(exited[-1]["stateExitedEventDetails"]["output"])


def run(definition: dict, execution_input: dict[str, Any], *, execution_name: str = "manual-1") -> Run:
    """Run a definition in moto's interpreter (call inside `mock_aws(config=INTERPRETER)`), with the alarm
    topic delivering to a queue so the failure notification can be read back."""
    sns_client = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic_arn = sns_client.create_topic(Name=TOPIC_NAME)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"notifications-{execution_name}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns_client.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                         Attributes={"RawMessageDelivery": "true"})
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(name=f"batch-{execution_name}", definition=json.dumps(definition),
                                       roleArn=f"arn:aws:iam::{ACCOUNT}:role/states")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, name=execution_name,
                                    input=json.dumps(execution_input))["executionArn"]
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "execution did not finish within 60 s"
        time.sleep(0.05)
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return Run(described["status"], described.get("error"), described.get("cause"), events,
               [json.loads(m["Body"]) for m in messages])


INTERPRETER = {"stepfunctions": {"execute_state_machine": True}}


def with_request_response_task(definition: dict) -> dict:
    """moto's interpreter cannot run the `.sync` SageMaker integration; the aws-sdk integration sends the same
    CreateTransformJob request (to moto's SageMaker) and waits for nothing. Everything else is unchanged."""
    patched = json.loads(json.dumps(definition))
    task = patched["States"][TASK]
    task["Resource"] = "arn:aws:states:::aws-sdk:sagemaker:createTransformJob"
    task.pop("ResultSelector")  # the aws-sdk call returns only the job ARN, not DescribeTransformJob
    return patched


MOTO_SAGEMAKER_ERROR = "sagemaker.sagemakerException"


def with_failing_task(definition: dict, retries: int) -> dict:
    """A task that always fails in moto (DescribeTransformJob of the job name it computes: moto does not know
    it) and is retried `retries` times on that error before the state machine's own retriers and catcher.
    Each attempt evaluates the real TransformJobName expression with the real $$.State.RetryCount."""
    patched = json.loads(json.dumps(definition))
    task = patched["States"][TASK]
    task["Resource"] = "arn:aws:states:::aws-sdk:sagemaker:describeTransformJob"
    task["Parameters"] = {"TransformJobName.$": task["Parameters"]["TransformJobName.$"]}
    task.pop("ResultSelector")
    task["Retry"].insert(0, {"ErrorEquals": [MOTO_SAGEMAKER_ERROR], "IntervalSeconds": 1, "MaxAttempts": retries,
                             "BackoffRate": 1})
    return patched
