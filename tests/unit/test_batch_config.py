"""Batch config: the committed environments' schedules, and every validation rule failing with a clear message."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, load_environments
from config.batch import cron_problem, rate_problem
from tests.unit.test_config import mutated, problems_for

SCORING = "batch.transforms.scoring"


@pytest.fixture(scope="module")
def environments():
    return {env.name: env for env in load_environments(ENVIRONMENTS)}


def test_dev_schedule_is_disabled_so_jobs_run_by_hand(environments):
    schedule = environments["dev"].batch.transforms["scoring"].schedule
    assert schedule.enabled is False


def test_staging_runs_weekly(environments):
    schedule = environments["staging"].batch.transforms["scoring"].schedule
    assert schedule.enabled and schedule.expression == "cron(0 2 ? * MON *)"


def test_prod_scores_monthly_on_the_first_at_midnight_in_its_timezone(environments):
    schedule = environments["prod"].batch.transforms["scoring"].schedule
    assert schedule.enabled and schedule.expression == "cron(0 0 1 * ? *)" and schedule.timezone == "UTC"


def test_prod_has_more_than_one_schedule(environments):
    assert sorted(environments["prod"].batch.transforms) == ["nightly", "scoring"]


@pytest.mark.parametrize("expression", [
    "cron(0 0 1 * ? *)", "cron(0 2 ? * MON *)", "cron(0/15 8-18 ? * MON-FRI *)", "cron(0 0 L * ? *)",
    "cron(0 0 ? * 6#3 *)", "cron(0 0 15W * ? *)", "cron(30 1 1,15 JAN-JUN ? 2027)", "cron(* * * * ? *)",
])
def test_accepts_valid_cron(expression):
    assert cron_problem(expression) is None


@pytest.mark.parametrize("expression", ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(7 days)"])
def test_accepts_valid_rate(expression):
    assert rate_problem(expression) is None


@pytest.mark.parametrize("path, value, expected", [
    # schedule expressions
    (f"{SCORING}.schedule.expression", "every monday", "expected cron(...) or rate(...)"),
    (f"{SCORING}.schedule.expression", "cron(0 0 1 * *)", "a cron expression has 6 fields"),
    (f"{SCORING}.schedule.expression", "cron(0 0 1 * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
    (f"{SCORING}.schedule.expression", "cron(60 0 1 * ? *)", "minutes field '60': '60' is outside 0-59"),
    (f"{SCORING}.schedule.expression", "cron(0 24 1 * ? *)", "hours field '24'"),
    (f"{SCORING}.schedule.expression", "cron(0 0 32 * ? *)", "day-of-month field '32'"),
    (f"{SCORING}.schedule.expression", "cron(0 0 1 FOO ? *)", "month field 'FOO': 'FOO' is outside 1-12 or JAN-DEC"),
    (f"{SCORING}.schedule.expression", "cron(0 0 ? * FUNDAY *)", "day-of-week field 'FUNDAY'"),
    (f"{SCORING}.schedule.expression", "cron(0/0 0 1 * ? *)", "step '0' must be a positive number"),
    (f"{SCORING}.schedule.expression", "cron(? 0 1 * ? *)", "'?' is allowed only in day-of-month and day-of-week"),
    (f"{SCORING}.schedule.expression", "rate(0 days)", "the rate value must be at least 1"),
    (f"{SCORING}.schedule.expression", "rate(1 days)", "use the singular unit for 1 and the plural otherwise"),
    (f"{SCORING}.schedule.expression", "rate(7 weeks)", "expected rate(<value> <unit>)"),
    # schedule options
    (f"{SCORING}.schedule.timezone", "Mars/Olympus", "unknown IANA time zone 'Mars/Olympus'"),
    (f"{SCORING}.schedule.flexible_window_minutes", 0, "greater than or equal to 1"),
    (f"{SCORING}.schedule.flexible_window_minutes", 2000, "less than or equal to 1440"),
    (f"{SCORING}.schedule.start", "2027-01-01T00:00:00", "has no UTC offset"),
    (f"{SCORING}.schedule.retry_attempts", 200, "less than or equal to 185"),
    # transform options
    (f"{SCORING}.max_payload_mb", 101, "less than or equal to 100"),
    (f"{SCORING}.instance_type", "ml.x9.large", "not a SageMaker instance type for transform (CreateTransformJob); allowed: ml.<family>.<size> with family one of c4"),
    (f"{SCORING}.instance_type", "ml.m5.metal", "CreateTransformJob offers no such size of m5; allowed: m5 sizes for transform: 12xlarge, 24xlarge, 2xlarge, 4xlarge, large"),
    (f"{SCORING}.instance_type", "m5.large", "'m5.large': not a SageMaker instance type for transform"),
    (f"{SCORING}.instance_count", 0, "greater than or equal to 1"),
    (f"{SCORING}.strategy", "Batch", "Input should be 'SingleRecord' or 'MultiRecord'"),
    (f"{SCORING}.split_type", "Comma", "Input should be 'None', 'Line', 'RecordIO' or 'TFRecord'"),
    (f"{SCORING}.assemble_with", "Json", "Input should be 'None' or 'Line'"),
    (f"{SCORING}.join_source", "Output", "Input should be 'None' or 'Input'"),
    (f"{SCORING}.input_filter", "features[1:]", "is not a JSONPath SageMaker accepts; start with $"),
    (f"{SCORING}.output_filter", "$..id", "is not a JSONPath SageMaker accepts"),
    (f"{SCORING}.input_filter", "$" + "[1]" * 25, "at most 63 characters"),
    (f"{SCORING}.content_type", "csv", "String should match pattern"),
    (f"{SCORING}.invocation_timeout_seconds", 3601, "less than or equal to 3600"),
    (f"{SCORING}.invocation_max_retries", 4, "less than or equal to 3"),
    (f"{SCORING}.input_prefix", "batch/{date}", "String should match pattern"),
    (f"{SCORING}.input_prefix", "batch/it's/{date}/", "String should match pattern"),
    (f"{SCORING}.environment", {"1BAD": "x"}, "environment.1BAD"),
    (f"{SCORING}.capacity_retry.max_attempts", 11, "less than or equal to 10"),
    (f"{SCORING}.unknown_option", 1, "Extra inputs are not permitted"),
    ("batch.log_retention_days", 42, "batch.log_retention_days = 42"),
])
def test_fails_on_bad_field(path, value, expected):
    problems = problems_for(mutated("staging", path, value))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("staging: ") for p in problems), problems


@pytest.mark.parametrize("overrides, expected", [
    ({"strategy": "MultiRecord", "split_type": "None"},
     "strategy MultiRecord needs a split_type (Line, RecordIO or TFRecord)"),
    ({"max_payload_mb": 30, "max_concurrent_transforms": 4},
     "max_concurrent_transforms (4) x max_payload_mb (30) must not exceed 100 MB"),
    ({"max_payload_mb": 0}, "max_payload_mb 0 (streaming) works only with strategy SingleRecord"),
    ({"input_prefix": "batch/{name}/"}, "input_prefix 'batch/{name}/' must contain {date}"),
    ({"output_prefix": "scores/"}, "output_prefix 'scores/' must contain {date}"),
    ({"manifest_name": "m.json"}, "manifest_name ('m.json') is for data_type ManifestFile only"),
    ({"instance_type": "ml.g5.xlarge"}, "ml.g5.xlarge has local NVMe storage, encrypted in hardware, and takes no volume KMS key"),
    ({"model": "nope"}, "batch transform 'scoring' uses model 'nope', which is not defined; defined models"),
    ({"model": "multi"}, "model 'multi' is multi-model, which batch transform does not support"),
])
def test_fails_on_inconsistent_transform(overrides, expected):
    environments = mutated("staging", SCORING, None)
    staging = next(e for e in environments if e["name"] == "staging")
    original = next(e for e in ENVIRONMENTS if e["name"] == "staging")["batch"]["transforms"]["scoring"]
    staging["batch"]["transforms"]["scoring"] = {**original, **overrides}
    problems = problems_for(environments)
    assert any(p.startswith("staging: ") and expected in p for p in problems), problems


def test_fails_when_a_local_time_falls_on_another_utc_date():
    """Job dates are the UTC date of the scheduled time; local midnight in Berlin is the previous UTC day."""
    problems = problems_for(mutated("prod", f"{SCORING}.schedule.timezone", "Europe/Berlin"))
    assert any("cron(0 0 1 * ? *) at 00:00 Europe/Berlin is on another UTC date" in p for p in problems), problems


def test_local_midnight_behind_utc_is_the_same_date():
    environments = mutated("prod", f"{SCORING}.schedule.timezone", "America/New_York")
    prod = next(e for e in load_environments(environments) if e.name == "prod")
    assert prod.batch.transforms["scoring"].schedule.timezone == "America/New_York"


def test_fails_when_a_schedule_ends_before_it_starts():
    environments = mutated("prod", f"{SCORING}.schedule.start", "2027-06-01T00:00:00+00:00")
    next(e for e in environments if e["name"] == "prod")["batch"]["transforms"]["scoring"]["schedule"]["end"] = \
        "2027-01-01T00:00:00+00:00"
    problems = problems_for(environments)
    assert any("start (2027-06-01T00:00:00+00:00) must be before end (2027-01-01T00:00:00+00:00)" in p
               for p in problems), problems


@pytest.mark.parametrize("name, expected", [
    ("Scoring", "String should match pattern"),
    ("a-very-long-transform", "String should match pattern"),
    ("scoring-", "String should match pattern"),
])
def test_fails_on_a_transform_name_unfit_for_job_names(name, expected):
    environments = mutated("staging", "batch.transforms", None)
    staging = next(e for e in environments if e["name"] == "staging")
    original = next(e for e in ENVIRONMENTS if e["name"] == "staging")["batch"]["transforms"]["scoring"]
    staging["batch"]["transforms"] = {name: original}
    problems = problems_for(environments)
    assert any(f"batch.transforms.{name}" in p and expected in p for p in problems), problems


def test_all_problems_of_all_environments_in_one_error():
    environments = mutated("dev", f"{SCORING}.max_payload_mb", 500)
    next(e for e in environments if e["name"] == "prod")["batch"]["transforms"]["nightly"]["schedule"]["expression"] = "daily"
    problems = problems_for(environments)
    assert [p.split(":")[0] for p in problems] == ["dev", "prod"]
