"""The ops CLI's pure logic: weight parsing, canary planning and the rollback decision, request building,
metric folding and batch run naming. The commands themselves run against the emulator in
tests/integration/test_ops_cli.py."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import boto3
import pytest
from botocore.stub import Stubber

from tools.ops.__main__ import build_parser, main
from tools.ops.aws import Aws, OpsError
from tools.ops.batch import execution_name, parse_date
from tools.ops.invoke import invoke_realtime, parse_s3_uri
from tools.ops.metrics import summarize
from tools.ops.traffic import HealthCheck, breach, parse_weights, plan_steps, step_weights


def test_parse_weights():
    assert parse_weights(["blue=90", "green=10.5"]) == {"blue": 90.0, "green": 10.5}


@pytest.mark.parametrize("pairs, message", [
    (["blue"], "bad weight 'blue': expected VARIANT=WEIGHT"),
    (["blue=-1"], "bad weight 'blue=-1'"),
    (["blue=lots"], "bad weight 'blue=lots'"),
    (["=5"], "bad weight '=5'"),
    (["blue=1", "blue=2"], "variant 'blue' given twice"),
    (["blue=0", "green=0"], "at least one variant needs a weight above 0"),
])
def test_parse_weights_fails_on(pairs, message):
    with pytest.raises(OpsError, match=message):
        parse_weights(pairs)


def test_plan_steps():
    assert plan_steps("10,25,50,100") == [10, 25, 50, 100]
    assert plan_steps("100") == [100]


@pytest.mark.parametrize("text, message", [
    ("10,x,100", "expected comma-separated percentages"),
    ("0,100", "between 1 and 100"),
    ("50,150", "between 1 and 100"),
    ("50,25,100", "steps must increase"),
    ("10,10,100", "steps must increase"),
    ("10,50", "the last step must be 100"),
    ("", "between 1 and 100"),
])
def test_plan_steps_fails_on(text, message):
    with pytest.raises(OpsError, match=message):
        plan_steps(text)


def test_step_weights_move_only_baseline_and_candidate():
    current = {"blue": 100.0, "green": 0.0, "shadow": 5.0}
    assert step_weights(current, baseline="blue", candidate="green", percent=25) == {
        "blue": 75.0, "green": 25.0, "shadow": 5.0}
    assert current == {"blue": 100.0, "green": 0.0, "shadow": 5.0}


def test_breach_on_alarm_or_errors_and_healthy_otherwise():
    assert breach(HealthCheck(alarms_in_alarm=(), candidate_5xx=0), max_5xx=0) is None
    assert breach(HealthCheck(alarms_in_alarm=(), candidate_5xx=2), max_5xx=2) is None
    assert breach(HealthCheck(alarms_in_alarm=("ep-5xx",), candidate_5xx=0), max_5xx=0) == "alarm(s) in ALARM: ep-5xx"
    assert breach(HealthCheck(alarms_in_alarm=(), candidate_5xx=3), max_5xx=2) == \
        "candidate returned 3 5XX errors (allowed 2)"
    both = breach(HealthCheck(alarms_in_alarm=("a", "b"), candidate_5xx=1), max_5xx=0)
    assert both == "alarm(s) in ALARM: a, b; candidate returned 1 5XX errors (allowed 0)"


def test_invoke_realtime_sends_only_the_options_given():
    runtime = boto3.client("sagemaker-runtime", region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="x")
    with Stubber(runtime) as stub:
        stub.add_response("invoke_endpoint", {"Body": io.BytesIO(b"1")},
                          {"EndpointName": "ep", "Body": b"1,2", "ContentType": "text/csv", "Accept": "text/csv",
                           "TargetVariant": "green", "TargetModel": "a/model.tar.gz"})
        stub.add_response("invoke_endpoint", {"Body": io.BytesIO(b"1")},
                          {"EndpointName": "ep", "Body": b"1,2", "ContentType": "application/json"})
        invoke_realtime(runtime, "ep", b"1,2", content_type="text/csv", accept="text/csv", target_variant="green",
                        target_model="a/model.tar.gz")
        invoke_realtime(runtime, "ep", b"1,2", content_type="application/json", accept=None, target_variant=None,
                        target_model=None)
        stub.assert_no_pending_responses()


def test_parse_s3_uri():
    assert parse_s3_uri("s3://bucket/async-input/") == ("bucket", "async-input/")
    with pytest.raises(OpsError, match="not an S3 URI: 'bucket/x'"):
        parse_s3_uri("bucket/x")


def test_summarize_adds_sums_and_weights_latency_by_sample_count():
    metrics = summarize("blue", {
        ("Invocations", "Sum"): [30, 10],
        ("Invocation5XXErrors", "Sum"): [1],
        ("ModelLatency", "Average"): [10_000, 30_000],  # microseconds
        ("ModelLatency", "SampleCount"): [30, 10],
        ("ModelLatency", "Maximum"): [20_000, 50_000],
    })
    assert (metrics.invocations, metrics.errors_4xx, metrics.errors_5xx) == (40, 0, 1)
    assert metrics.model_latency_avg_ms == pytest.approx(15.0)
    assert metrics.model_latency_max_ms == 50.0
    assert metrics.overhead_latency_avg_ms is None


def test_batch_date_and_execution_name():
    assert parse_date("2024-05-01") == date(2024, 5, 1)
    assert parse_date(None) == datetime.now(timezone.utc).date()
    with pytest.raises(OpsError, match="bad --date '2024/05/01': expected YYYY-MM-DD"):
        parse_date("2024/05/01")
    name = execution_name(date(2024, 5, 1), datetime(2024, 5, 2, 8, 30, 0, 123456, tzinfo=timezone.utc))
    assert name == "run-2024-05-01-manual-20240502T083000123456"


def test_every_command_has_help(capsys):
    for argv in (["invoke"], ["traffic", "show"], ["traffic", "set"], ["traffic", "canary"], ["status"],
                 ["batch", "run"], ["metrics"]):
        with pytest.raises(SystemExit) as exit_info:
            build_parser().parse_args([*argv, "--help"])
        assert exit_info.value.code == 0
        assert "--endpoint-url" in capsys.readouterr().out, argv


def test_aws_options_work_after_the_command():
    args = build_parser().parse_args(["status", "--region", "eu-west-1", "--endpoint-url", "http://localhost:1"])
    assert (args.region, args.endpoint_url) == ("eu-west-1", "http://localhost:1")


def test_missing_region_is_a_clear_error(monkeypatch, capsys):
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert main(["status"]) == 1
    assert "no AWS region: pass --region or set AWS_REGION" in capsys.readouterr().err


def test_only_a_loopback_endpoint_gets_dummy_credentials():
    assert Aws(endpoint_url="http://localhost:5000").is_local
    assert Aws(endpoint_url="http://127.0.0.1:5000").is_local
    assert not Aws(endpoint_url="https://sagemaker.us-east-1.amazonaws.com").is_local
    assert not Aws().is_local
