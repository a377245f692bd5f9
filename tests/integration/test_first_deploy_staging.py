"""README "First deploy to a new account", walked through for Staging in the emulator with the real tools:
bootstrap, Data stack, a preflight that fails naming each missing object and its fix, `ops model push`, a
preflight that passes, the full deploy, and the smoke test answering on every endpoint kind.

Staging has every kind the smoke test knows except serverless (Dev's, tested in test_deploy_dev.py): real-time,
async (a registered model package), multi-model and inference components (each probed by InferenceComponentName).
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import run_cli
from tools import smoke_test
from tools.deploy_local import (DEMO_MODEL, bootstrap_regions, check_landed, client, deploy, landed, stack_regions,
                                stage_config, stage_templates)
from tools.local_emulator import ACCOUNT_ID
from tools.ops.__main__ import main as ops_main
from tools.ops.preflight import BILLING_REGION, model_artifacts, package_versions
from stacks.smoke_test_access import smoke_test_role_name

pytestmark = pytest.mark.integration

STAGE = "Staging"


@pytest.fixture(scope="module")
def walkthrough(emulator, assembly):
    config = stage_config(STAGE)
    log = assembly.parent / "cdk.log"

    def ops(*argv: str):
        return run_cli(ops_main, [*argv, "--stage", STAGE, "--account", ACCOUNT_ID,
                                  "--endpoint-url", emulator.endpoint_url])

    steps = {}
    bootstrap_regions(emulator, config, outdir=assembly, log=log)
    deploy(emulator, stage=STAGE, region=config.region, outdir=assembly, log=log, stacks="Data")
    steps["preflight before"] = ops("preflight")
    steps["pushes"] = [ops("model", "push", "--file", str(DEMO_MODEL), "--key", key) for key in model_artifacts(config)]
    for version in sorted(package_versions(config)):  # each registration adds the next version: 1, 2, ...
        steps["pushes"].append(ops("model", "push", "--file", str(DEMO_MODEL), "--key", f"models/model-v{version}.tar.gz",
                                   "--register"))
    # The one precondition no tool can create: with billing alerts turned on, AWS publishes AWS/Billing in us-east-1.
    client(emulator, BILLING_REGION, "cloudwatch").put_metric_data(Namespace="AWS/Billing", MetricData=[{
        "MetricName": "EstimatedCharges", "Dimensions": [{"Name": "Currency", "Value": "USD"}], "Value": 1.0}])
    steps["preflight after"] = ops("preflight")
    deploy(emulator, stage=STAGE, region=config.region, outdir=assembly, log=log)
    rows = landed(emulator, regions=stack_regions(assembly, STAGE), templates=stage_templates(assembly, STAGE))
    check_landed(rows)
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/{smoke_test_role_name(config)}"
    steps["smoke"] = run_cli(smoke_test.main, ["--stage", STAGE, "--endpoint-url", emulator.endpoint_url,
                                               "--role-arn", role, "--async-timeout", "60"])
    return config, steps


def _data_outputs(emulator, config) -> dict[str, str]:
    stack = client(emulator, config.region, "cloudformation").describe_stacks(StackName=f"{STAGE}-Data")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_preflight_without_models_fails_naming_each_missing_object_and_the_command_that_fixes_it(walkthrough,
                                                                                                   emulator):
    config, steps = walkthrough
    code, out, _ = steps["preflight before"]
    assert code == 1, out
    bucket = _data_outputs(emulator, config)["ModelBucketName"]
    assert model_artifacts(config), "Staging reads models from its bucket"
    for key in model_artifacts(config):
        assert f"MISSING model artifact s3://{bucket}/{key}: missing" in out
        assert f"fix: python -m tools.ops model push --stage {STAGE} --file MODEL.tar.gz --key {key}" in out
    for version in package_versions(config):
        assert f"MISSING model package {config.name_prefix}-models/{version}: not registered" in out
    assert f"MISSING billing alerts {ACCOUNT_ID}: no AWS/Billing EstimatedCharges metric in us-east-1" in out
    assert "Receive CloudWatch billing alerts" in out
    for region in {config.region, BILLING_REGION}:
        assert f"ok      bootstrap {ACCOUNT_ID}/{region}" in out


def test_model_push_uploads_with_the_stage_key_and_registers_the_version(walkthrough, emulator):
    config, steps = walkthrough
    assert all(code == 0 for code, _, _ in steps["pushes"]), steps["pushes"]
    outputs = _data_outputs(emulator, config)
    s3 = client(emulator, config.region, "s3")
    for key in model_artifacts(config):
        head = s3.head_object(Bucket=outputs["ModelBucketName"], Key=key)
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", outputs["DataKeyArn"])
    sagemaker = client(emulator, config.region, "sagemaker")
    for version in package_versions(config):
        package = sagemaker.describe_model_package(ModelPackageName=(
            f"arn:aws:sagemaker:{config.region}:{ACCOUNT_ID}:model-package/{config.name_prefix}-models/{version}"))
        assert package["ModelApprovalStatus"] == "Approved"
        container = package["InferenceSpecification"]["Containers"][0]
        assert container["ModelDataUrl"].startswith(f"s3://{outputs['ModelBucketName']}/models/")
        assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"


def test_preflight_passes_after_the_push(walkthrough):
    _, steps = walkthrough
    code, out, _ = steps["preflight after"]
    assert code == 0, out
    assert "MISSING" not in out and f"{STAGE}: ready to deploy" in out


def test_every_endpoint_kind_answers_its_smoke_request(walkthrough):
    config, steps = walkthrough
    code, out, err = steps["smoke"]
    assert code == 0, out + err
    kinds = {probe.kind for probe in smoke_test.probes_for(config)}
    assert kinds == {"real-time", "async", "multi-model", "component"}
    probes = smoke_test.probes_for(config)
    for probe in probes:
        called = f"{probe.name}, {probe.component}" if probe.component else probe.name
        assert f"ok   {probe.endpoint} ({called}, {probe.kind}): " in out
    assert f"{STAGE}: {len(probes)} endpoint(s) answered" in out


def test_async_result_lands_under_the_endpoint_output_prefix_with_the_stage_key(walkthrough, emulator):
    config, _ = walkthrough
    outputs = _data_outputs(emulator, config)
    s3 = client(emulator, config.region, "s3")
    for probe in smoke_test.probes_for(config):
        if probe.kind != "async":
            continue
        prefix = probe.async_input_prefix.replace("/input/", "/output/")
        listed = s3.list_objects_v2(Bucket=outputs["OutputBucketName"], Prefix=prefix).get("Contents", [])
        assert listed, prefix
        head = s3.head_object(Bucket=outputs["OutputBucketName"], Key=listed[0]["Key"])
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", outputs["DataKeyArn"])


def test_the_calls_the_old_smoke_test_made_are_rejected(walkthrough, emulator):
    # Finding 4: plain InvokeEndpoint on the async endpoint, and on the multi-model endpoint without TargetModel.
    config, _ = walkthrough
    runtime = client(emulator, config.region, "sagemaker-runtime")
    for probe in smoke_test.probes_for(config):
        if probe.kind not in {"async", "multi-model"}:
            continue
        with pytest.raises(runtime.exceptions.ClientError, match="InvokeEndpointAsync|needs TargetModel"):
            runtime.invoke_endpoint(EndpointName=probe.name, ContentType=probe.request.content_type,
                                    Body=probe.request.body.encode())


def test_a_batch_run_keeps_each_record_with_its_prediction(walkthrough, emulator, monkeypatch):
    # Each output line is the transform's output_filter applied to (input row, if join_source is Input) + the
    # prediction, one per input line (the row's first column is an id the input_filter keeps from the model).
    import time

    from tools.emulator_sagemaker import select

    config, _ = walkthrough
    transform = config.batch.transforms["scoring"]
    outputs = _data_outputs(emulator, config)
    features = config.serving.smoke_request_for("realtime").body
    assert select(transform.input_filter, ["id", *features.split(",")], "InputFilter") == features.split(","), \
        "this walk-through sends an id column that the transform's input_filter drops"
    s3 = client(emulator, config.region, "s3")
    s3.put_object(Bucket=outputs["InputBucketName"], Key="batch/scoring/2024-06-03/part-1.csv",
                  Body="".join(f"id-{i},{features}\n" for i in range(3)).encode())
    stack = client(emulator, config.region, "cloudformation").describe_stacks(StackName=f"{STAGE}-Batch")["Stacks"][0]
    machine = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "ScoringStateMachineArn")
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda seconds: real_sleep(min(seconds, 0.2)))
    code, out, err = run_cli(ops_main, ["batch", "run", "--state-machine", machine, "--date", "2024-06-03", "--wait",
                                        "--timeout", "60", "--endpoint-url", emulator.endpoint_url, "--region",
                                        config.region])
    assert code == 0, out + err
    lines = s3.get_object(Bucket=outputs["OutputBucketName"], Key="batch/scoring/2024-06-03/part-1.csv.out")[
        "Body"].read().decode().splitlines()
    assert len(lines) == 3
    for i, line in enumerate(lines):
        source = ([f"id-{i}", *features.split(",")] if transform.join_source == "Input" else []) + ["<prediction>"]
        expected = select(transform.output_filter, source, "OutputFilter")
        fields = line.split(",")
        assert len(fields) == len(expected), line
        assert all(got == want for got, want in zip(fields, expected) if want != "<prediction>"), line
