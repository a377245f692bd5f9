"""The Pipeline stack: source, synth with the tests, Dev -> Staging -> approval -> Prod, smoke tests after each
stage, cross-account keys and the encrypted artifact bucket. Read from the session's synthesized app."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match, Template

from stacks.pipeline_stack import CDK_ASSETS_VERSION, CDK_CLI_VERSION, connection_use_action, pinned_requirement
from stacks.smoke_test_access import SmokeTestAccessStack, pipeline_smoke_test_role_name

from tests.environments import STAGE_IDS as STAGES


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return Template.from_json(synthesized.templates()["Pipeline"])


@pytest.fixture(scope="module")
def pipeline_stages(template) -> dict[str, dict]:
    (pipeline,) = template.find_resources("AWS::CodePipeline::Pipeline").values()
    return {stage["Name"]: stage for stage in pipeline["Properties"]["Stages"]}


def build_spec(template: Template, project_ref: dict) -> dict:
    project = template.to_json()["Resources"][project_ref["Ref"]]
    return json.loads(project["Properties"]["Source"]["BuildSpec"])


def actions_by_kind(stage: dict) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for action in stage["Actions"]:
        kinds.setdefault(action["ActionTypeId"]["Provider"], []).append(action)
    return kinds


def test_pipeline_runs_in_the_tooling_account(synthesized, pipeline_settings):
    assert (synthesized.pipeline.account, synthesized.pipeline.region) == (
        pipeline_settings.account, pipeline_settings.region)


def test_source_is_the_configured_connection(pipeline_stages, pipeline_settings):
    (source,) = pipeline_stages["Source"]["Actions"]
    assert source["ActionTypeId"] == {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection",
                                      "Version": "1"}
    assert source["Configuration"] == {
        "ConnectionArn": pipeline_settings.connection_arn,
        "FullRepositoryId": pipeline_settings.repository,
        "BranchName": pipeline_settings.branch,
    }


def test_synth_installs_the_toolchain_runs_the_tests_then_synthesizes(template, pipeline_stages):
    (synth,) = pipeline_stages["Build"]["Actions"]
    spec = build_spec(template, synth["Configuration"]["ProjectName"])
    assert spec["phases"]["install"]["commands"] == ["make setup"]
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11", "nodejs": "20"}
    assert spec["phases"]["build"]["commands"] == ["make test", "make synth"]
    assert spec["artifacts"]["base-directory"] == "cdk.out"


def test_stages_deploy_in_the_configured_order(pipeline_stages, pipeline_settings, environments):
    order = [environments[name].stage_id for name in pipeline_settings.stage_order]
    assert list(pipeline_stages) == ["Source", "Build", "UpdatePipeline", "Assets", *order]


@pytest.mark.parametrize("stage", STAGES)
def test_configured_stages_wait_for_approval_before_anything_else(pipeline_stages, pipeline_settings, stage):
    actions = pipeline_stages[stage]["Actions"]
    approvals = [a for a in actions if a["ActionTypeId"]["Category"] == "Approval"]
    if stage.lower() not in pipeline_settings.approval_before:
        assert approvals == []
        return
    (approval,) = approvals
    assert approval["Name"] == f"Approve{stage}"
    assert all(a["RunOrder"] > approval["RunOrder"] for a in actions if a is not approval)


def stack_names(synthesized, stage: str, *, with_access: bool = True) -> list[str]:
    """The stack names of the top-level (workstation) stage, e.g. Dev-Data, Dev-SmokeTestAccess."""
    return sorted(child.stack_name for child in synthesized.stages[stage].node.children
                  if isinstance(child, Stack) and (with_access or not isinstance(child, SmokeTestAccessStack)))


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_deploys_its_stacks_by_the_workstation_names(synthesized, pipeline_stages, stage):
    deploys = actions_by_kind(pipeline_stages[stage])["CloudFormation"]
    names = sorted({a["Configuration"]["StackName"] for a in deploys})
    assert names == stack_names(synthesized, stage)
    assert {f"{stage}-Data", f"{stage}-SmokeTestAccess"} <= set(names)


def step(stage: dict, name: str) -> dict:
    (action,) = [a for a in stage["Actions"] if a["Name"] == name]
    return action


def step_project(template: Template, action: dict) -> dict:
    return template.to_json()["Resources"][action["Configuration"]["ProjectName"]["Ref"]]


def assumable_roles(template: Template, project: dict) -> list:
    role_id = project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    return [s["Resource"] for s in statements if s["Action"] == "sts:AssumeRole"]


@pytest.mark.parametrize("stage", STAGES)
def test_preflight_runs_before_and_the_smoke_test_after_the_stage_deploys(template, pipeline_stages, stage):
    kinds = actions_by_kind(pipeline_stages[stage])
    deploys = [a["RunOrder"] for a in kinds["CloudFormation"]]
    preflight, smoke = step(pipeline_stages[stage], f"Preflight{stage}"), step(pipeline_stages[stage], f"SmokeTest{stage}")
    assert preflight["RunOrder"] < min(deploys) and smoke["RunOrder"] > max(deploys)
    approvals = kinds.get("Manual", [])
    assert all(preflight["RunOrder"] > a["RunOrder"] for a in approvals)  # after the approval, right before deploying
    tools_only = [f"pip install --quiet '{pinned_requirement('boto3')}' '{pinned_requirement('pydantic')}'"]
    for action, command in ((preflight, f'python -m tools.ops preflight --stage {stage} --role-arn "$ROLE_ARN"'),
                            (smoke, f'python -m tools.smoke_test --stage {stage} --role-arn "$ROLE_ARN"')):
        spec = build_spec(template, action["Configuration"]["ProjectName"])
        assert spec["phases"]["install"]["commands"] == tools_only
        assert spec["phases"]["build"]["commands"] == [command]


@pytest.mark.parametrize("stage", STAGES)
def test_smoke_test_runs_as_the_named_role_that_may_assume_only_its_stage_role(template, pipeline_stages, stage,
                                                                               environments, pipeline_settings):
    config = next(env for env in environments.values() if env.stage_id == stage)
    project = step_project(template, step(pipeline_stages[stage], f"SmokeTest{stage}"))
    role_arn = f"arn:aws:iam::{config.account}:role/{config.name_prefix}-smoke-test"
    assert project["Properties"]["Environment"]["EnvironmentVariables"] == [
        {"Name": "ROLE_ARN", "Type": "PLAINTEXT", "Value": role_arn}]
    assert assumable_roles(template, project) == [role_arn]
    role = template.to_json()["Resources"][project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]]
    # The stage's SmokeTestAccess role trusts exactly this name (test_smoke_test_access.py).
    assert role["Properties"]["RoleName"] == pipeline_smoke_test_role_name(config)


@pytest.mark.parametrize("stage", STAGES)
def test_preflight_reads_through_the_stage_account_cdk_lookup_role(template, pipeline_stages, stage, environments):
    config = next(env for env in environments.values() if env.stage_id == stage)
    project = step_project(template, step(pipeline_stages[stage], f"Preflight{stage}"))
    role_arn = f"arn:aws:iam::{config.account}:role/cdk-hnb659fds-lookup-role-{config.account}-{config.region}"
    assert project["Properties"]["Environment"]["EnvironmentVariables"] == [
        {"Name": "ROLE_ARN", "Type": "PLAINTEXT", "Value": role_arn}]
    assert assumable_roles(template, project) == [role_arn]


def test_artifacts_use_a_rotating_kms_key_in_every_region(template):
    (pipeline,) = template.find_resources("AWS::CodePipeline::Pipeline").values()
    stores = {store["Region"]: store["ArtifactStore"] for store in pipeline["Properties"]["ArtifactStores"]}
    assert set(stores) == {"us-east-1", "us-west-2"}  # the tooling region and Prod's
    assert all(store["EncryptionKey"]["Type"] == "KMS" for store in stores.values())
    key_id = stores["us-east-1"]["EncryptionKey"]["Id"]["Fn::GetAtt"][0]
    assert template.to_json()["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True


def test_cross_region_support_key_rotates(synthesized):
    support = Template.from_json(synthesized.templates()["cross-region-stack-444444444444:us-west-2"])
    support.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_artifact_bucket_is_kms_encrypted_versioned_logged_and_tls_only(template):
    key = template.find_resources("AWS::KMS::Key")
    (key_id,) = key
    template.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]}},
            "BucketKeyEnabled": True}]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value()},
        "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicAcls": True, "RestrictPublicBuckets": True}),
    })
    template.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


@pytest.mark.parametrize("account, stack", [
    ("111111111111", "Pipeline"), ("222222222222", "Pipeline"),
    ("333333333333", "cross-region-stack-444444444444:us-west-2"),  # Prod reads the copy in its own region
])
def test_stage_accounts_deploy_roles_may_decrypt_artifacts(synthesized, account, stack):
    """Cross-account keys: each stage account's CDK deploy role is admitted by the key of its region."""
    (key,) = Template.from_json(synthesized.templates()[stack]).find_resources("AWS::KMS::Key").values()
    principals = json.dumps(key["Properties"]["KeyPolicy"])
    assert f"cdk-hnb659fds-deploy-role-{account}" in principals


def test_self_mutation_and_assets_use_the_pinned_clis(template):
    installs = [json.loads(p["Properties"]["Source"]["BuildSpec"])["phases"]["install"]["commands"]
                for p in template.find_resources("AWS::CodeBuild::Project").values()]
    assert [f"npm install -g aws-cdk@{CDK_CLI_VERSION}"] in installs
    assert [f"npm install -g cdk-assets@{CDK_ASSETS_VERSION}"] in installs
    assert not any("@latest" in c or c in ("npm install -g aws-cdk", "npm install -g cdk-assets")
                   for commands in installs for c in commands)


def test_cli_pin_matches_package_json():
    from stacks.application import PROJECT_ROOT
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    assert package["devDependencies"]["aws-cdk"] == CDK_CLI_VERSION


def test_pipeline_deploys_the_app_stages_themselves(synthesized):
    """No copies: the pipeline deploys the top-level stage objects, so each deploy action's template is the very
    file `cdk deploy 'Dev/*'` deploys and the snapshots and compliance packs check."""
    assert {id(stage) for stage in synthesized.pipeline.stages} == {id(stage) for stage in synthesized.stages.values()}
    deployed = synthesized.pipeline_template_files()
    assert {name: path.resolve() for name, path in deployed.items()} == \
        {name: path.resolve() for name, path in synthesized.stage_template_files().items()}
    assert all(path.is_file() for path in deployed.values())
    assert not list(synthesized.outdir.glob("assembly-Pipeline-*")), "the pipeline synthesized copies of the stages"


def test_pinned_requirement_reads_requirements_txt():
    assert pinned_requirement("boto3").startswith("boto3==")


def test_fails_when_requirements_do_not_pin_the_package(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3>=1.0\n")
    with pytest.raises(ValueError, match=r"does not pin boto3 \(expected a line `boto3==X.Y.Z`\)"):
        pinned_requirement("boto3", requirements)


@pytest.mark.parametrize("arn, action", [
    ("arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-4000-8000-000000000000",
     "codeconnections:UseConnection"),
    ("arn:aws:codestar-connections:us-east-1:444444444444:connection/00000000-0000-4000-8000-000000000000",
     "codestar-connections:UseConnection"),
])
def test_the_use_connection_prefix_follows_the_arn(arn, action):
    assert connection_use_action(arn) == action


def test_fails_on_an_arn_that_is_no_connection():
    with pytest.raises(ValueError, match="is not a CodeConnections"):
        connection_use_action("arn:aws:codecommit:us-east-1:444444444444:repo")
