"""The SmokeTestAccess role of every stage: trusted only by the pipeline's named smoke-test role, and allowed
exactly what tools/smoke_test.py sends each configured endpoint (per kind), nothing more, nothing less."""

from __future__ import annotations

import json

import pytest

from config.serving import async_paths
from stacks.smoke_test_access import pipeline_smoke_test_role_name, smoke_test_role_name
from tests.environments import STAGE_IDS as STAGES
from tools.smoke_test import probes_for


def grants(statements: list[dict]) -> set[tuple[str, str, str]]:
    """(action, resource, condition) triples, intrinsics kept as JSON: one per action and resource."""
    found = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        condition = json.dumps(statement.get("Condition"), sort_keys=True)
        found |= {(a, json.dumps(r, sort_keys=True), condition) for a in actions for r in resources}
    return found


def needed(config) -> set[tuple[str, str, str]]:
    """What each probe needs, by endpoint kind (tools/smoke_test.py; ARCHITECTURE 6.11)."""
    arn = f"arn:aws:sagemaker:{config.region}:{config.account}:endpoint/"

    def imported(output, suffix):
        return {"Fn::Join": ["", [{"Fn::ImportValue": f"{config.name_prefix}-{output}"}, suffix]]}

    none = json.dumps(None)
    want = set()
    results = []
    for probe in probes_for(config):
        if probe.kind == "component":  # reads the copy count first (a component at zero copies is woken)
            component = f"arn:aws:sagemaker:{config.region}:{config.account}:inference-component/{probe.component}"
            want.add(("sagemaker:DescribeInferenceComponent", json.dumps(component.lower()), none))
        if probe.kind != "async":
            want.add(("sagemaker:InvokeEndpoint", json.dumps(arn + probe.name), none))
            continue
        paths = async_paths(probe.endpoint, config.serving.endpoints[probe.endpoint].async_inference)
        want.add(("sagemaker:InvokeEndpointAsync", json.dumps(arn + probe.name), none))
        want.add(("s3:PutObject", json.dumps(imported("InputBucketArn", f"/{paths.input_prefix}*"), sort_keys=True), none))
        for prefix in (paths.output_prefix, paths.failure_prefix):
            want.add(("s3:GetObject", json.dumps(imported("OutputBucketArn", f"/{prefix}*"), sort_keys=True), none))
            results.append(f"{prefix}*")
    if results:
        stack = f"arn:aws:cloudformation:{config.region}:{config.account}:stack/{config.stage_id}-Data/*"
        want.add(("cloudformation:DescribeStacks", json.dumps(stack), none))
        listing = json.dumps({"StringLike": {"s3:prefix": results}}, sort_keys=True)
        want.add(("s3:ListBucket", json.dumps({"Fn::ImportValue": f"{config.name_prefix}-OutputBucketArn"}), listing))
        via_s3 = json.dumps({"StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"}}, sort_keys=True)
        key = json.dumps({"Fn::ImportValue": f"{config.name_prefix}-DataKeyArn"})
        want |= {("kms:GenerateDataKey", key, via_s3), ("kms:Decrypt", key, via_s3)}
    return want


def problems(statements: list[dict], config) -> list[str]:
    granted, wanted = grants(statements), needed(config)
    return ([f"missing: {g}" for g in sorted(wanted - granted)] + [f"not needed: {g}" for g in sorted(granted - wanted)])


def access(synthesized, stage: str):
    template = synthesized.templates()[f"{stage}/SmokeTestAccess"]
    (role,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    return role, policy["Properties"]["PolicyDocument"]["Statement"]


def config_of(environments, stage):
    return next(env for env in environments.values() if env.stage_id == stage)


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_pipeline_smoke_test_role_may_assume_it(synthesized, environments, pipeline_settings, stage):
    config = config_of(environments, stage)
    role, _ = access(synthesized, stage)
    assert role["Properties"]["RoleName"] == smoke_test_role_name(config)
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole" and trust["Effect"] == "Allow"
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{pipeline_settings.account}:root"}
    assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": (
        f"arn:aws:iam::{pipeline_settings.account}:role/{pipeline_smoke_test_role_name(config)}")}}


@pytest.mark.parametrize("stage", STAGES)
def test_allows_exactly_what_each_probe_needs(synthesized, environments, stage):
    _, statements = access(synthesized, stage)
    assert problems(statements, config_of(environments, stage)) == []


def test_fails_on_a_missing_or_an_over_broad_grant(synthesized, environments):
    config = config_of(environments, "Staging")
    _, statements = access(synthesized, "Staging")
    without_async = [s for s in statements if s["Action"] != "sagemaker:InvokeEndpointAsync"]
    assert any(p.startswith("missing: ('sagemaker:InvokeEndpointAsync'") for p in problems(without_async, config))
    broad = statements + [{"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint",
                           "Resource": f"arn:aws:sagemaker:{config.region}:{config.account}:endpoint/*"}]
    assert any(p.startswith("not needed: ('sagemaker:InvokeEndpoint'") and "endpoint/*" in p
               for p in problems(broad, config))
    unconditioned = [{**s, "Condition": None} if str(s["Action"]).startswith("['kms") else s for s in statements]
    assert any("kms:Decrypt" in p and p.startswith("not needed") for p in problems(unconditioned, config))
