"""Every ops command run against the emulator, on SageMaker, CloudWatch and Step Functions resources the
tests create with boto3.

The emulator runs the demo model for invocations in the scikit-learn image's own server (tools/serving_runtime.py);
what it cannot show: endpoints are
InService at once, and alarms change state only when set.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest

from config import ENVIRONMENTS, load_environments
from sagemaker_serving_cdk.rules.handler import framework_model_environment
from tools.ops.__main__ import main
from tools.ops.traffic import ROLLED_BACK_EXIT_CODE
from tools.deploy_local import client
from tools.local_emulator import PROJECT_ROOT

pytestmark = pytest.mark.integration

ROLE_ARN = "arn:aws:iam::123456789012:role/ops-test-sagemaker"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.fixture
def ops(emulator, capsys):
    """Run `python -m tools.ops ...` in-process against the emulator; returns (exit code, stdout, stderr)."""
    def run(*argv: str):
        code = main([*argv, "--endpoint-url", emulator.endpoint_url, "--region", "us-east-1"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


# A request the demo model answers (Dev serves it; its smoke request is one row of its input).
DEMO_ROW = next(env for env in load_environments(ENVIRONMENTS) if env.name == "dev").serving.smoke_request_for(
    "realtime").body


@pytest.fixture(scope="module")
def demo_model_uri(emulator) -> str:
    s3 = client(emulator, "us-east-1", "s3")
    bucket = f"ops-models-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="model.tar.gz", Body=(PROJECT_ROOT / "build" / "demo-model.tar.gz").read_bytes())
    return f"s3://{bucket}/model.tar.gz"


@pytest.fixture
def make_endpoint(aws, demo_model_uri):
    sagemaker = aws("sagemaker")

    def make(weights: dict[str, float], *, async_output: str | None = None, instances: int = 1,
             notification: dict | None = None) -> str:
        suffix = uuid.uuid4().hex[:8]
        model = f"model-{suffix}"
        sagemaker.create_model(ModelName=model, ExecutionRoleArn=ROLE_ARN, PrimaryContainer={
            "Image": IMAGE, "ModelDataUrl": demo_model_uri, "Environment": framework_model_environment("us-east-1")})
        config = {
            "EndpointConfigName": f"config-{suffix}",
            "ProductionVariants": [
                {"VariantName": name, "ModelName": model, "InitialInstanceCount": instances,
                 "InstanceType": "ml.m5.large", "InitialVariantWeight": weight}
                for name, weight in weights.items()
            ],
        }
        if async_output:
            config["AsyncInferenceConfig"] = {"OutputConfig": {"S3OutputPath": async_output,
                                                               **({"NotificationConfig": notification} if notification else {})}}
        sagemaker.create_endpoint_config(**config)
        name = f"endpoint-{suffix}"
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config["EndpointConfigName"])
        return name

    return make


@pytest.fixture
def topics(aws):
    """A success and an error topic, each with an SQS queue subscribed; read(name) returns what it received."""
    sns, sqs = aws("sns"), aws("sqs")
    arns, queues = {}, {}
    for name in ("SuccessTopic", "ErrorTopic"):
        arns[name] = sns.create_topic(Name=f"{name}-{uuid.uuid4().hex[:8]}")["TopicArn"]
        queues[name] = sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queues[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=arns[name], Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    def read(name: str) -> list[dict]:
        messages = sqs.receive_message(QueueUrl=queues[name], MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    return arns, read


def _weights(aws, endpoint: str) -> dict[str, float]:
    variants = aws("sagemaker").describe_endpoint(EndpointName=endpoint)["ProductionVariants"]
    return {v["VariantName"]: v.get("CurrentWeight") for v in variants}


def _alarm(aws, endpoint: str, variant: str, state: str) -> str:
    cloudwatch = aws("cloudwatch")
    name = f"{endpoint}-5xx"
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors", Statistic="Sum",
        Dimensions=[{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}],
        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="set by the test")
    return name


# --- invoke -------------------------------------------------------------------------------------------------


def test_invoke_realtime_from_a_file(ops, make_endpoint, tmp_path):
    endpoint = make_endpoint({"blue": 1, "green": 1})
    payload = tmp_path / "rows.csv"
    payload.write_text(DEMO_ROW + "\n")
    code, out, err = ops("invoke", endpoint, "--body", str(payload), "--content-type", "text/csv",
                         "--accept", "application/json", "--target-variant", "blue")
    assert code == 0, err
    assert len(json.loads(out)["predictions"]) == 1
    assert "variant: blue" in err and "application/json" in err


def test_invoke_realtime_from_stdin_writes_the_output_file(ops, make_endpoint, tmp_path, monkeypatch):
    endpoint = make_endpoint({"blue": 1})
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{DEMO_ROW}\n{DEMO_ROW}\n".encode())))
    result = tmp_path / "out.csv"
    code, _, err = ops("invoke", endpoint, "--accept", "text/csv", "--output", str(result))
    assert code == 0, err
    assert len(result.read_text().splitlines()) == 2  # one line per record


def test_invoke_reports_the_model_error(ops, make_endpoint, tmp_path):
    endpoint = make_endpoint({"blue": 1})
    payload = tmp_path / "rows.csv"
    payload.write_text("5.1,3.5,1.4,0.2\n")
    code, _, err = ops("invoke", endpoint, "--body", str(payload))
    assert code == 1
    assert "ModelError: Received client error (400) from blue" in err and "expects 30 features" in err


def test_invoke_async_uploads_the_input_and_the_result_appears(ops, aws, make_endpoint, topics, monkeypatch):
    s3 = aws("s3")
    bucket = f"async-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    arns, received = topics
    endpoint = make_endpoint({"blue": 1}, async_output=f"s3://{bucket}/async/", notification=arns)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{DEMO_ROW}\n".encode())))
    code, out, err = ops("invoke", endpoint, "--content-type", "text/csv",
                         "--input-location", f"s3://{bucket}/async/{endpoint}/input/")
    assert code == 0, err
    lines = {key: value.strip() for key, value in (line.split(":", 1) for line in out.strip().splitlines())}
    assert lines["input"].startswith(f"s3://{bucket}/async/{endpoint}/input/")
    key = lines["input"].removeprefix(f"s3://{bucket}/")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == f"{DEMO_ROW}\n".encode()
    assert lines["output"] == f"s3://{bucket}/async/{lines['inference id']}.out"
    result = s3.get_object(Bucket=bucket, Key=lines["output"].removeprefix(f"s3://{bucket}/"))["Body"].read()
    assert len(json.loads(result)["predictions"]) == 1
    (notice,) = received("SuccessTopic")
    assert (notice["invocationStatus"], notice["inferenceId"]) == ("Completed", lines["inference id"])
    assert notice["responseParameters"]["outputLocation"] == lines["output"]
    assert notice["requestParameters"]["endpointName"] == endpoint
    assert received("ErrorTopic") == []


def test_invoke_async_refuses_a_target_variant(ops, make_endpoint, tmp_path):
    endpoint = make_endpoint({"blue": 1}, async_output="s3://somewhere/async/")
    payload = tmp_path / "rows.csv"
    payload.write_text("1\n")
    code, _, err = ops("invoke", endpoint, "--body", str(payload), "--target-variant", "blue")
    assert code == 1
    assert "asynchronous endpoint picks the variant by weight" in err


def test_invoke_fails_clearly_on_an_unknown_endpoint_and_a_missing_file(ops, tmp_path):
    payload = tmp_path / "rows.csv"
    payload.write_text("1\n")
    code, _, err = ops("invoke", "no-such-endpoint", "--body", str(payload))
    assert code == 1 and "endpoint 'no-such-endpoint' not found" in err
    code, _, err = ops("invoke", "no-such-endpoint", "--body", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read payload" in err


# --- traffic ------------------------------------------------------------------------------------------------


def test_traffic_show_and_set(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 90, "green": 10})
    code, out, _ = ops("traffic", "show", endpoint)
    assert code == 0
    assert [line.split()[:4] for line in out.splitlines()[3:]] == [["blue", "90", "90", "90%"], ["green", "10", "10", "10%"]]
    code, out, err = ops("traffic", "set", endpoint, "blue=50", "green=50", "--timeout", "10")
    assert code == 0, err
    assert _weights(aws, endpoint) == {"blue": 50, "green": 50}


def test_traffic_set_rejects_an_unknown_variant_and_changes_nothing(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 90, "green": 10})
    code, _, err = ops("traffic", "set", endpoint, "purple=100")
    assert code == 1
    assert "unknown variant(s) purple" in err and "blue, green" in err
    assert _weights(aws, endpoint) == {"blue": 90, "green": 10}


def test_canary_completes_when_healthy(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 100, "green": 1})
    alarm = _alarm(aws, endpoint, "green", "OK")
    code, out, err = ops("traffic", "canary", endpoint, "--baseline", "blue", "--candidate", "green",
                         "--steps", "25,100", "--interval", "0")
    assert code == 0, err
    assert alarm in out  # discovered from the endpoint's dimensions
    assert "step 25%: healthy" in out and "step 100%: healthy" in out
    assert _weights(aws, endpoint) == {"blue": 0, "green": 100}


def test_canary_rolls_back_when_the_alarm_fires(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 100, "green": 1})
    alarm = _alarm(aws, endpoint, "green", "ALARM")
    code, out, _ = ops("traffic", "canary", endpoint, "--baseline", "blue", "--candidate", "green",
                       "--steps", "10,50,100", "--interval", "0", "--alarm", alarm)
    assert code == ROLLED_BACK_EXIT_CODE
    assert f"step 10%: breach: alarm(s) in ALARM: {alarm}" in out
    assert "step 50%" not in out
    assert _weights(aws, endpoint) == {"blue": 100, "green": 1}


def test_canary_rolls_back_on_candidate_5xx_without_alarms(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 100, "green": 1})
    aws("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[{
        "MetricName": "Invocation5XXErrors", "Value": 3,
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": "green"}],
    }])
    code, out, _ = ops("traffic", "canary", endpoint, "--baseline", "blue", "--candidate", "green",
                       "--steps", "10,100", "--interval", "0", "--max-5xx", "2")
    assert code == ROLLED_BACK_EXIT_CODE
    assert "candidate returned 3 5XX errors (allowed 2)" in out
    assert _weights(aws, endpoint) == {"blue": 100, "green": 1}


# --- status, metrics, batch -----------------------------------------------------------------------------------


def test_status_lists_variants_weights_instances_and_alarm_states(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 3, "green": 1}, instances=2)
    alarm = _alarm(aws, endpoint, "blue", "ALARM")
    code, out, err = ops("status", endpoint)
    assert code == 0, err
    assert out.startswith(f"{endpoint}: InService, config config-")
    assert "last update" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("blue ", "green "))}
    assert rows["blue"][1:5] == ["3", "75%", "2", "2"]
    assert rows["green"][1:5] == ["1", "25%", "2", "2"]
    assert any(line.split()[:3] == [alarm, "ALARM", "Invocation5XXErrors"] for line in out.splitlines())


def test_status_without_names_lists_every_endpoint(ops, make_endpoint):
    first, second = make_endpoint({"blue": 1}), make_endpoint({"blue": 1})
    code, out, _ = ops("status")
    assert code == 0
    assert f"{first}: InService" in out and f"{second}: InService" in out


def test_metrics_per_variant_over_the_last_hour(ops, aws, make_endpoint):
    endpoint = make_endpoint({"blue": 1, "green": 1})

    def datum(variant, name, value):
        return {"MetricName": name, "Value": value,
                "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]}

    aws("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[
        datum("blue", "Invocations", 40), datum("blue", "Invocation5XXErrors", 2),
        datum("blue", "ModelLatency", 12000), datum("blue", "ModelLatency", 18000),
        datum("green", "Invocations", 10),
    ])
    code, out, err = ops("metrics", endpoint)
    assert code == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("blue ", "green "))}
    assert rows["blue"][1:7] == ["40", "0", "2", "5.00%", "15.0", "18.0"]
    assert rows["green"][1:5] == ["10", "0", "0", "0.00%"]


def test_batch_run_starts_the_state_machine_for_a_date(ops, aws):
    stepfunctions = aws("stepfunctions")
    name = f"batch-{uuid.uuid4().hex[:8]}"
    arn = stepfunctions.create_state_machine(
        name=name, roleArn="arn:aws:iam::123456789012:role/ops-test-states",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]
    code, out, err = ops("batch", "run", "--state-machine", name, "--date", "2024-05-01")
    assert code == 0, err
    execution_arn = out.split()[1]
    execution = stepfunctions.describe_execution(executionArn=execution_arn)
    assert execution["stateMachineArn"] == arn
    assert json.loads(execution["input"]) == {"date": "2024-05-01"}
    assert execution["name"].startswith("run-2024-05-01-manual-")


def test_batch_run_fails_clearly(ops):
    code, _, err = ops("batch", "run", "--state-machine", "no-such-machine", "--date", "2024-05-01")
    assert code == 1 and "no state machine named 'no-such-machine'" in err
    code, _, err = ops("batch", "run", "--state-machine", "x", "--date", "01/05/2024")
    assert code == 1 and "expected YYYY-MM-DD" in err


# --- names from config --------------------------------------------------------------------------------------


def _configured_endpoint(aws, name: str, demo_model_uri: str) -> None:
    """The endpoint Dev's config names, under its stable physical name (made here unless a deploy made it)."""
    sagemaker = aws("sagemaker")
    if name in {e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]}:
        return
    suffix = uuid.uuid4().hex[:8]
    sagemaker.create_model(ModelName=f"model-{suffix}", ExecutionRoleArn=ROLE_ARN, PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": demo_model_uri, "Environment": framework_model_environment("us-east-1")})
    sagemaker.create_endpoint_config(EndpointConfigName=f"config-{suffix}", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": f"model-{suffix}", "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large", "InitialVariantWeight": 1}])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"config-{suffix}")


def test_status_takes_the_config_name_and_the_stage_in_any_case(ops, aws, environments, demo_model_uri):
    dev = environments["dev"]  # the stage the emulator runs (in Dev's region)
    name = next(iter(dev.serving.endpoints))  # e.g. `realtime`: `ops status realtime --stage dev`
    physical = f"{dev.name_prefix}-{name}"
    _configured_endpoint(aws, physical, demo_model_uri)
    for stage in (dev.name, dev.stage_id):
        code, out, err = ops("status", name, "--stage", stage)
        assert code == 0, err
        assert out.startswith(f"{physical}: InService")
    code, out, err = ops("status", physical)  # the physical name works without --stage
    assert code == 0 and out.startswith(f"{physical}: InService"), err


def test_a_config_name_without_the_stage_says_to_add_it(ops, environments):
    name = next(iter(environments["dev"].serving.endpoints))
    code, _, err = ops("traffic", "show", name)
    assert code == 1 and f"endpoint {name!r} not found" in err and "add --stage STAGE" in err


# --- what the emulator checks and runs like SageMaker (tools/emulator_sagemaker.py) ------------------------------


def test_create_model_fails_when_its_model_data_does_not_exist(aws):
    with pytest.raises(aws("sagemaker").exceptions.ClientError,
                       match=r"Could not find model data at s3://no-such-bucket/model.tar.gz"):
        aws("sagemaker").create_model(ModelName=f"model-{uuid.uuid4().hex[:8]}", ExecutionRoleArn=ROLE_ARN,
                                      PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://no-such-bucket/model.tar.gz"})


def test_a_rejected_async_request_writes_the_failure_object(ops, aws, make_endpoint, topics, monkeypatch):
    s3 = aws("s3")
    bucket = f"async-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    arns, received = topics
    endpoint = make_endpoint({"blue": 1}, async_output=f"s3://{bucket}/async/", notification=arns)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"1,2,3\n")))
    code, _, err = ops("invoke", endpoint, "--content-type", "text/csv")
    assert code == 1 and "is asynchronous: add --stage STAGE" in err  # no guess at a bucket the role cannot read
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"1,2,3\n")))
    code, out, err = ops("invoke", endpoint, "--content-type", "text/csv", "--input-location", f"s3://{bucket}/in/")
    assert code == 0, err
    lines = {key: value.strip() for key, value in (line.split(":", 1) for line in out.strip().splitlines())}
    failure = s3.get_object(Bucket=bucket, Key=lines["failure"].removeprefix(f"s3://{bucket}/"))["Body"].read()
    assert b"Received error (400) from blue" in failure and b"expects 30 features" in failure
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key=lines["output"].removeprefix(f"s3://{bucket}/"))
    (notice,) = received("ErrorTopic")
    assert notice["invocationStatus"] == "Failed" and notice["responseParameters"]["failureLocation"] == lines["failure"]
    assert "Received error (400)" in notice["failureReason"]
    assert received("SuccessTopic") == []


def test_a_transform_job_with_processing_the_emulator_lacks_fails_saying_so(aws, make_endpoint, demo_model_uri):
    sagemaker = aws("sagemaker")
    model = f"model-{uuid.uuid4().hex[:8]}"
    sagemaker.create_model(ModelName=model, ExecutionRoleArn=ROLE_ARN, PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": demo_model_uri, "Environment": framework_model_environment("us-east-1")})
    bucket = demo_model_uri.split("/")[2]
    aws("s3").put_object(Bucket=bucket, Key="in/rows.csv", Body=f"id-1,{DEMO_ROW}\n".encode())
    name = f"job-{uuid.uuid4().hex[:8]}"
    sagemaker.create_transform_job(
        TransformJobName=name, ModelName=model, DataProcessing={"InputFilter": "$.features"},
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/in/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://{bucket}/out/"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    job = sagemaker.describe_transform_job(TransformJobName=name)
    assert job["TransformJobStatus"] == "Failed"
    assert job["FailureReason"] == ("the emulator does not implement DataProcessing.InputFilter=$.features "
                                    "(only $, $[a:b] and $[i,j,...] on CSV)")
