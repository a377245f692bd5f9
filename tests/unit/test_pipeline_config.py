"""Every pipeline-settings validation rule, each shown failing with a message naming the field and the value."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, PIPELINE, ConfigError, load_pipeline_settings

ENVIRONMENT_NAMES = [raw["name"] for raw in ENVIRONMENTS]
ALLOWED = ", ".join(map(repr, ENVIRONMENT_NAMES))
GOOD_ARN = "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-4000-8000-000000000000"


def problems_for(overrides: dict, *, environment_names=ENVIRONMENT_NAMES) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_pipeline_settings(PIPELINE, environment_names=environment_names, overrides=overrides)
    return raised.value.problems


def test_committed_settings_are_valid_and_order_every_environment():
    settings = load_pipeline_settings(PIPELINE, environment_names=ENVIRONMENT_NAMES)
    assert sorted(settings.stage_order) == sorted(ENVIRONMENT_NAMES)
    assert set(settings.approval_before) <= set(ENVIRONMENT_NAMES)


def test_approval_defaults_to_prod_only():
    raw = {k: v for k, v in PIPELINE.items() if k != "approval_before"}
    assert load_pipeline_settings(raw).approval_before == ("prod",)


@pytest.mark.parametrize("arn", [
    GOOD_ARN,
    GOOD_ARN.replace("codeconnections", "codestar-connections"),
])
def test_accepts_both_connection_services(arn):
    assert load_pipeline_settings(PIPELINE, overrides={"connection_arn": arn}).connection_arn == arn


@pytest.mark.parametrize("branch", ["main", "release/2024-06", "feature/x.y", "v1"])
def test_accepts_branch_names(branch):
    assert load_pipeline_settings(PIPELINE, overrides={"branch": branch}).branch == branch


@pytest.mark.parametrize("field, value, expected", [
    ("account", "4444", "pipeline: account = '4444': String should match pattern"),
    ("region", "mars-1", "pipeline: region = 'mars-1': not an AWS region with SageMaker (botocore's endpoint data): af-south-1"),
    ("connection_arn", "arn:aws:s3:::bucket",
     "pipeline: connection_arn = 'arn:aws:s3:::bucket': must be a CodeStar/CodeConnections connection ARN"),
    ("connection_arn", GOOD_ARN.replace("connection/", "host/"), "must be a CodeStar/CodeConnections connection ARN"),
    ("connection_arn", GOOD_ARN[:-4], "must be a CodeStar/CodeConnections connection ARN"),
    ("repository", "sagemaker-inference", "pipeline: repository = 'sagemaker-inference': must be \"owner/name\""),
    ("repository", "https://github.com/o/r", "must be \"owner/name\""),
    ("repository", "-owner/name", "must be \"owner/name\""),
    ("repository", "owner/..", "must be \"owner/name\""),
    ("branch", "", "pipeline: branch = '': must be a git branch name"),
    ("branch", "has space", "pipeline: branch = 'has space': must be a git branch name"),
    ("branch", "a..b", "must be a git branch name"),
    ("branch", "-leading-dash", "must be a git branch name"),
    ("branch", "ends/", "must be a git branch name"),
    ("branch", "x.lock", "must be a git branch name"),
    ("branch", "x@{1}", "must be a git branch name"),
    ("approval_before", [""], "pipeline: approval_before.0 = '': String should have at least 1 character"),
    ("stage_order", [""], "pipeline: stage_order.0 = '': String should have at least 1 character"),
    ("unknown_setting", 1, "pipeline: unknown_setting = 1: Extra inputs are not permitted"),
])
def test_fails_on_bad_field(field, value, expected):
    problems = problems_for({field: value})
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("overrides, where", [
    ({"region": "us-west-2"}, "444444444444/us-east-1 but the pipeline runs in 444444444444/us-west-2"),
    ({"account": "555555555555"}, "444444444444/us-east-1 but the pipeline runs in 555555555555/us-east-1"),
])
def test_fails_when_the_connection_is_not_in_the_tooling_account_and_region(overrides, where):
    problems = problems_for(overrides)
    assert len(problems) == 1 and problems[0].startswith("pipeline: connection_arn = ") and where in problems[0], problems


def test_fails_when_approval_names_an_unknown_environment():
    problems = problems_for({"approval_before": ["prod", "nosuch"]})
    assert problems == ["pipeline: approval_before = ['prod', 'nosuch']: 'nosuch' is not an environment; "
                        f"allowed: {ALLOWED}"]


def test_fails_when_stage_order_names_an_unknown_environment():
    order = [*ENVIRONMENT_NAMES, "nosuch"]
    assert problems_for({"stage_order": order}) == [
        f"pipeline: stage_order = {order!r}: 'nosuch' is not an environment; allowed: {ALLOWED}"]


def test_fails_when_stage_order_misses_an_environment():
    order = ENVIRONMENT_NAMES[1:]
    assert problems_for({"stage_order": order}) == [
        f"pipeline: stage_order = {order!r}: {ENVIRONMENT_NAMES[0]!r} is missing; every environment must have a "
        f"place in the pipeline's order (environments: {ALLOWED})"]


def test_fails_when_stage_order_repeats_an_environment():
    order = [*ENVIRONMENT_NAMES, ENVIRONMENT_NAMES[0]]
    assert problems_for({"stage_order": order}) == [
        f"pipeline: stage_order = {order!r}: {ENVIRONMENT_NAMES[0]!r} appears more than once; each environment "
        "deploys once"]


@pytest.mark.parametrize("field", ["account", "connection_arn", "repository", "stage_order"])
def test_fails_without_a_required_field(field):
    raw = {k: v for k, v in PIPELINE.items() if k != field}
    with pytest.raises(ConfigError, match=f"pipeline: {field} = .*Field required"):
        load_pipeline_settings(raw)


def test_reports_every_problem_at_once():
    problems = problems_for({"account": "1", "repository": "x", "branch": "a b"})
    assert [p.split(" = ")[0] for p in problems] == ["pipeline: account", "pipeline: repository", "pipeline: branch"]


def test_settings_are_immutable():
    settings = load_pipeline_settings(PIPELINE)
    with pytest.raises(Exception):
        settings.branch = "other"  # type: ignore[misc]  # frozen: this must fail
