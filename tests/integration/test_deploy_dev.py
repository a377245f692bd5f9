"""Dev deployed to the emulator with the unchanged CDK CLI, verified with boto3.

What the emulator does not create is asserted from the template in test_skipped_by_emulator.py and listed
there, so nobody believes it was deployed.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.conftest import run_cli
from tools import smoke_test
from tools.ops.__main__ import main

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


# --- Serving and Batch ------------------------------------------------------------------------------------


def _resources(dev_stage, resource_type: str) -> list[tuple[str, str, dict]]:
    """(stack, logical id, template resource) of every resource of a type in the stage."""
    return [
        (stack, logical_id, resource)
        for stack, template in dev_stage.templates().items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    ]


def _physical_ids(dev_stage, stack: str) -> dict[str, str]:
    summaries = dev_stage.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}


def test_models_use_the_uploaded_model_artifact_and_the_handler_environment(dev_stage):
    sagemaker, s3 = dev_stage.client("sagemaker"), dev_stage.client("s3")
    models = {m["ModelName"]: m for m in sagemaker.list_models()["Models"]}
    expected = _resources(dev_stage, "AWS::SageMaker::Model")
    assert expected, "Dev defines models"
    for stack, logical_id, resource in expected:
        name = next(n for n in models if n.startswith(f"{stack}-{logical_id}"))
        model = sagemaker.describe_model(ModelName=name)
        container = model["PrimaryContainer"]
        assert container["Image"].endswith("sagemaker-scikit-learn:1.2-1-cpu-py3")
        assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
        assert model["EnableNetworkIsolation"] is resource["Properties"].get("EnableNetworkIsolation", False)
        # The CDK uploaded build/demo-model.tar.gz to the bootstrap bucket; the model points at that object.
        bucket, key = container["ModelDataUrl"].removeprefix("s3://").split("/", 1)
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0


def test_endpoint_configs_and_endpoints_have_the_configured_variants(dev_stage, environments):
    sagemaker = dev_stage.client("sagemaker")
    configs = _resources(dev_stage, "AWS::SageMaker::EndpointConfig")
    assert len(configs) == len(environments["dev"].serving.endpoints)
    for stack, logical_id, resource in configs:
        physical = _physical_ids(dev_stage, stack)
        config = sagemaker.describe_endpoint_config(EndpointConfigName=physical[logical_id].rsplit("/", 1)[-1])
        wanted = resource["Properties"]
        got = {v["VariantName"]: v for v in config["ProductionVariants"]}
        assert set(got) == {v["VariantName"] for v in wanted["ProductionVariants"]}
        for variant in wanted["ProductionVariants"]:
            for field in ("ServerlessConfig", "InitialVariantWeight", "InstanceType", "InitialInstanceCount"):
                assert got[variant["VariantName"]].get(field) == variant.get(field), (logical_id, field)
        # Asynchronous inference and data capture exactly as configured (Dev has neither today).
        assert bool(config.get("AsyncInferenceConfig")) == ("AsyncInferenceConfig" in wanted)
        assert bool(config.get("DataCaptureConfig")) == ("DataCaptureConfig" in wanted)
    dev_serverless = dev_stage.client("sagemaker").describe_endpoint(
        EndpointName=dev_stage.output("RealtimeEndpointName"))
    assert dev_serverless["EndpointStatus"] == "InService"
    assert dev_serverless["ProductionVariants"][0]["CurrentServerlessConfig"] == {"MemorySizeInMB": 2048,
                                                                                   "MaxConcurrency": 5}


def test_batch_state_machine_exists_with_its_role_and_runs_on_demand(dev_stage):
    stepfunctions = dev_stage.client("stepfunctions")
    arn = dev_stage.output("ScoringStateMachineArn")
    machine = stepfunctions.describe_state_machine(stateMachineArn=arn)
    assert machine["roleArn"].split("/")[-1].startswith("Dev-Batch-ScoringRole")
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == "Resolve date"
    assert main(["batch", "run", "--state-machine", arn, "--date", "2024-05-01",
                 "--endpoint-url", dev_stage.emulator.endpoint_url, "--region", dev_stage.region]) == 0
    executions = stepfunctions.list_executions(stateMachineArn=arn)["executions"]
    assert any(e["name"].startswith("run-2024-05-01-manual-") for e in executions)


def test_the_smoke_test_passes(dev_stage):
    code, out, err = run_cli(smoke_test.main, ["--stage", "Dev", "--endpoint-url", dev_stage.emulator.endpoint_url])
    assert code == 0, out + err
    assert "ok   realtime (mlinf-dev-realtime, serverless): " in out


def _batch_run(dev_stage, run_date: str, monkeypatch) -> tuple[int, str, str]:
    real_sleep = time.sleep  # ops polls every 10 s; the emulator's job is done in well under a second
    monkeypatch.setattr(time, "sleep", lambda seconds: real_sleep(min(seconds, 0.2)))
    return run_cli(main, ["batch", "run", "--state-machine", dev_stage.output("ScoringStateMachineArn"), "--date",
                          run_date, "--wait", "--timeout", "60", "--endpoint-url", dev_stage.emulator.endpoint_url,
                          "--region", dev_stage.region])


def test_batch_run_waits_for_the_job_and_writes_one_output_line_per_input_line(dev_stage, monkeypatch):
    s3 = dev_stage.client("s3")
    row = smoke_test.stage_config("Dev").serving.smoke_request_for("realtime").body
    rows = "\n".join([row] * 5) + "\n"
    s3.put_object(Bucket=dev_stage.output("InputBucketName"), Key="batch/scoring/2024-06-01/part-1.csv", Body=rows)
    code, out, err = _batch_run(dev_stage, "2024-06-01", monkeypatch)
    assert code == 0, out + err
    assert "finished: SUCCEEDED" in out
    result = s3.get_object(Bucket=dev_stage.output("OutputBucketName"), Key="batch/scoring/2024-06-01/part-1.csv.out")
    assert len(result["Body"].read().decode().splitlines()) == 5
    assert result["SSEKMSKeyId"] == dev_stage.output("DataKeyArn")


def test_batch_run_reports_a_failed_job(dev_stage, monkeypatch):
    code, out, _ = _batch_run(dev_stage, "2024-06-02", monkeypatch)  # no input for that date
    assert code == 1
    assert "finished: FAILED" in out


def test_ops_invoke_answers_with_the_demo_models_own_predictions(dev_stage, tmp_path):
    # The endpoint's answer comes from the scikit-learn image's own server loading the deployed artifact from the
    # emulator's S3; the truth is the same model file scored directly by scikit-learn.
    import joblib
    from sklearn.datasets import load_breast_cancer

    from tests.conftest import DEMO_MODEL

    rows = load_breast_cancer().data[::25]
    payload = tmp_path / "rows.csv"
    payload.write_text("".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))
    endpoint = smoke_test.stage_config("Dev").endpoint_name("realtime")
    answer = tmp_path / "answer.csv"
    code, _, err = run_cli(main, ["invoke", endpoint, "--body", str(payload), "--content-type", "text/csv",
                                  "--accept", "text/csv", "--output", str(answer),
                                  "--endpoint-url", dev_stage.emulator.endpoint_url, "--region", dev_stage.region])
    assert code == 0, err
    model = joblib.load(DEMO_MODEL.parent / "demo-model" / "model.joblib")
    assert [int(label) for label in answer.read_text().split()] == model.predict(rows).tolist()
