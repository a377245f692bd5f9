"""tools/template_diff.py (`make diff`): small hand-made templates for each rule, update behaviour from the
CloudFormation registry schemas cfn-lint ships, and the real synth with a changed weight and a renamed bucket."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

from tools.template_diff import (
    diff_stack, diff_templates, load_synth, main, property_impact, references, render, strip_noise,
    synthesized_ref,
)


def template(**resources) -> dict:
    return {"Resources": resources}


def res(resource_type: str, properties: dict | None = None, **attributes) -> dict:
    return {"Type": resource_type, "Properties": properties or {}, **attributes}


def by_id(diff) -> dict:
    return {r.logical_id: r for r in diff.resources}


def variant(model: str, weight: float) -> dict:
    return {"VariantName": "A", "ModelName": {"Fn::GetAtt": [model, "ModelName"]}, "InitialVariantWeight": weight,
            "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}


def serving(weight: float = 1.0, role_name: str = "exec") -> dict:
    return template(
        Role=res("AWS::IAM::Role", {"RoleName": role_name, "AssumeRolePolicyDocument": {"Statement": []}}),
        Model=res("AWS::SageMaker::Model", {"ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                                            "PrimaryContainer": {"Image": "img"}}),
        Config=res("AWS::SageMaker::EndpointConfig", {"ProductionVariants": [variant("Model", weight)]}),
        Endpoint=res("AWS::SageMaker::Endpoint", {"EndpointName": "ep",
                                                  "EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}}),
    )


# ----------------------------------------------------------------------------------- update behaviour (schemas)


@pytest.mark.parametrize("resource_type, path, impact", [
    ("AWS::SageMaker::EndpointConfig", ("ProductionVariants", 0, "InitialVariantWeight"), "replace"),
    ("AWS::SageMaker::Endpoint", ("EndpointConfigName",), "update"),
    ("AWS::SageMaker::Endpoint", ("EndpointName",), "replace"),
    ("AWS::S3::Bucket", ("BucketName",), "replace"),
    ("AWS::S3::Bucket", ("VersioningConfiguration", "Status"), "update"),
    ("AWS::Lambda::Function", ("DurableConfig",), "may replace"),  # conditionalCreateOnlyProperties
    ("Custom::S3AutoDeleteObjects", ("BucketName",), "unknown"),  # its handler decides
    ("Custom::S3AutoDeleteObjects", ("ServiceToken",), "replace"),
    ("AWS::Unknown::Type", ("Name",), "unknown"),
])
def test_update_behaviour_comes_from_the_registry_schemas(resource_type, path, impact):
    assert property_impact(resource_type, path) == impact


# ------------------------------------------------------------------------------------------------------ noise


def test_cdk_metadata_is_noise_other_metadata_is_not():
    base = template(Bucket=res("AWS::S3::Bucket", Metadata={"aws:cdk:path": "Dev/Data/Bucket/Resource"}),
                    CDKMetadata={"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:1"}})
    moved = template(Bucket=res("AWS::S3::Bucket", Metadata={"aws:cdk:path": "Dev/Data/Other/Resource",
                                                             "aws:asset:path": "asset.abc"}))
    assert diff_stack("Dev/Data", base, moved).status == "unchanged"
    acknowledged = template(Bucket=res("AWS::S3::Bucket", Metadata={"cdk_nag": {"rules_to_suppress": ["S1"]}}))
    diff = diff_stack("Dev/Data", base, acknowledged)
    assert [c.path for c in by_id(diff)["Bucket"].changes] == [("Metadata",)]
    assert "Metadata" not in strip_noise(base)["Resources"]["Bucket"]


# ---------------------------------------------------------------------------------------------- the changes


def test_added_removed_and_changed_resources_and_properties():
    base = template(Topic=res("AWS::SNS::Topic", {"DisplayName": "a"}), Old=res("AWS::SQS::Queue", {"A": 1}))
    new = template(Topic=res("AWS::SNS::Topic", {"DisplayName": "b"}), New=res("AWS::CloudWatch::Alarm", {"B": 2}))
    resources = by_id(diff_stack("Dev/Data", base, new))
    assert (resources["Old"].kind, resources["New"].kind, resources["Topic"].kind) == ("removed", "added", "modified")
    (change,) = resources["Topic"].changes
    assert (change.path, change.old, change.new, change.impact) == (("Properties", "DisplayName"), "a", "b", "update")


def test_a_weight_replaces_the_config_and_updates_the_endpoint_in_place():
    resources = by_id(diff_stack("Prod/Serving", serving(0.9), serving(0.8)))
    assert resources["Config"].impact == "replace"
    assert resources["Endpoint"].impact == "update"
    (implied,) = resources["Endpoint"].changes
    assert implied.path == ("Properties", "EndpointConfigName") and "Config is replaced" in implied.cause
    assert set(resources) == {"Config", "Endpoint"}


def test_replacement_cascades_through_create_only_references():
    """RoleName is create-only: the role is replaced, the model (ExecutionRoleArn create-only) and the config
    (ProductionVariants create-only) follow, the endpoint is updated in place."""
    resources = by_id(diff_stack("Prod/Serving", serving(role_name="a"), serving(role_name="b")))
    assert {k: r.impact for k, r in resources.items()} == {
        "Role": "replace", "Model": "replace", "Config": "replace", "Endpoint": "update"}


def test_a_renamed_stateful_resource_is_a_loud_replacement():
    bucket = res("AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}},
                 DeletionPolicy="Retain", UpdateReplacePolicy="Retain")

    def policy(target):
        return res("AWS::S3::BucketPolicy", {"Bucket": {"Ref": target}, "PolicyDocument": {
            "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": {"Fn::GetAtt": [target, "Arn"]}}]}})

    base = template(ModelsBucket=bucket, ModelsPolicy=policy("ModelsBucket"))
    new = template(RenamedBucket=copy.deepcopy(bucket), RenamedPolicy=policy("RenamedBucket"))
    diff = diff_stack("Prod/Data", base, new)
    resources = by_id(diff)
    assert (resources["RenamedBucket"].kind, resources["RenamedBucket"].old_id) == ("renamed", "ModelsBucket")
    assert resources["RenamedBucket"].loud and resources["RenamedBucket"].retained
    assert resources["RenamedPolicy"].kind == "renamed"
    text = render([diff], "base", "new")
    loud = [line for line in text.splitlines() if line.startswith("!!!")]
    assert "RenamedBucket RENAMED from ModelsBucket" in loud[1] and "orphaned" in loud[1]
    assert text.index("!!!") < text.index("Stack Prod/Data")


def test_a_dissimilar_resource_of_the_same_type_is_no_rename():
    base = template(A=res("AWS::SNS::Topic", {"DisplayName": "a", "TopicName": "x"}))
    new = template(B=res("AWS::SNS::Topic", {"DisplayName": "b", "TopicName": "y"}))
    assert sorted(r.kind for r in diff_stack("Dev/Data", base, new).resources) == ["added", "removed"]


def test_stateful_replacement_deletion_and_unretaining_are_loud_stateless_replacement_is_not():
    key = res("AWS::KMS::Key", {"KeySpec": "SYMMETRIC_DEFAULT"}, DeletionPolicy="Retain")
    bucket = res("AWS::S3::Bucket", {"BucketName": "a"}, DeletionPolicy="Retain")
    base = template(Key=key, Bucket=bucket, Gone=res("AWS::S3::Bucket"))
    new = template(Key={**key, "DeletionPolicy": "Delete"}, Bucket=res("AWS::S3::Bucket", {"BucketName": "b"},
                                                                       DeletionPolicy="Retain"))
    resources = by_id(diff_stack("Prod/Data", base, new))
    assert resources["Key"].loud and resources["Bucket"].loud and resources["Gone"].loud
    assert not by_id(diff_stack("Prod/Serving", serving(0.9), serving(0.8)))["Config"].loud


def test_iam_and_security_group_changes_get_their_own_lines():
    def stack(actions: list[str], ports: list[int]) -> dict:
        return template(
            Policy=res("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": action, "Resource": "*"} for action in actions]}}),
            Group=res("AWS::EC2::SecurityGroup", {"GroupDescription": "g", "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "CidrIp": "10.0.0.0/8"} for p in ports]}))
    diff = diff_stack("Dev/Serving", stack(["s3:GetObject"], [443]), stack(["s3:GetObject", "s3:PutObject"], [22]))
    resources = by_id(diff)
    assert resources["Policy"].security == ["[+] PolicyDocument: Allow Action=s3:PutObject Resource=*"]
    assert [line[:3] for line in resources["Group"].security] == ["[-]", "[+]"]
    assert '"FromPort":22' in resources["Group"].security[1]
    text = render([diff], "base", "new")
    assert text.index("IAM and security changes") < text.index("Resources")
    # reordered statements are no change
    assert diff_stack("Dev/Serving", stack(["a", "b"], []), stack(["b", "a"], [])).status == "unchanged"


def test_an_export_of_a_replaced_resource_is_called_out():
    base = template(Topic=res("AWS::SNS::Topic", {"TopicName": "a"}))
    new = template(Topic=res("AWS::SNS::Topic", {"TopicName": "b"}))
    for t in (base, new):
        t["Outputs"] = {"TopicArn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "x-TopicArn"}}}
    (note,) = diff_stack("Dev/Data", base, new).sections
    assert note.path == ("Outputs", "TopicArn", "Value") and "export" in note.cause


def test_json_strings_are_compared_field_by_field():
    def spec(cmd):
        return res("AWS::CodeBuild::Project", {"Source": {"BuildSpec": json.dumps(
            {"phases": {"build": {"commands": ["npm ci", cmd]}}}, indent=2)}})

    (change,) = by_id(diff_stack("Pipeline", template(P=spec("make test")), template(P=spec("make x"))))["P"].changes
    assert change.path == ("Properties", "Source", "BuildSpec", "(json)", "phases", "build", "commands", 1)


def test_a_changed_asset_hash_is_a_change():
    """Snapshots mask nothing: a changed model or handler shows as a changed asset hash."""
    before = {"Dev/Data": template(A=res("AWS::S3::Bucket", {"Tag": "b" * 64}))}
    assert diff_templates(before, {"Dev/Data": template(A=res("AWS::S3::Bucket", {"Tag": "a" * 64}))},
                          {})[0].status == "changed"


def test_added_and_removed_stacks():
    diffs = diff_templates({"Old/Data": template(B=res("AWS::S3::Bucket"))},
                           {"New/Data": template(A=res("AWS::SNS::Topic"))}, {})
    assert [(d.stack, d.status) for d in diffs] == [("New/Data", "added"), ("Old/Data", "removed")]
    text = render(diffs, "a", "b").splitlines()
    assert text[2:5] == ["Stack New/Data (new stack)", "Resources", "[+] AWS::SNS::Topic A"]
    # cdk deploy never deletes a stack that left the app: its resources are not "deleted"
    assert text[6].startswith("Stack Old/Data REMOVED from the app: `cdk deploy` leaves the deployed stack")
    assert not diffs[1].resources and "!!!" not in "\n".join(text)


# ------------------------------------------------------------------------------------------------------ CLI


def write_assembly(directory: Path, templates: dict[str, dict]) -> Path:
    """A minimal cloud assembly: one stack artifact per template, as `cdk synth` writes them."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts = {}
    for name, body in templates.items():
        file = name.replace("/", "-") + ".template.json"
        (directory / file).write_text(json.dumps(body))
        artifacts[name.replace("/", "")] = {"type": "aws:cloudformation:stack", "displayName": name,
                                            "environment": "aws://111111111111/us-east-1",
                                            "properties": {"templateFile": file}}
    (directory / "manifest.json").write_text(json.dumps({"version": "1", "artifacts": artifacts}))
    return directory


@pytest.mark.parametrize("option, exit_code", [([], 0), (["--fail-on-replace"], 1),
                                               (["--fail-on-replace", "stateful"], 0)])
def test_cli_exit_code_fails_on_replace_only_when_asked(tmp_path, capsys, option, exit_code):
    base = write_assembly(tmp_path / "base", {"Prod/Serving": serving(0.9)})
    current = write_assembly(tmp_path / "current", {"Prod/Serving": serving(0.8)})
    assert main([str(current), "--base-cdk-out", str(base), *option]) == exit_code
    assert "[~] AWS::SageMaker::EndpointConfig Config REPLACE" in capsys.readouterr().out


def test_cli_fails_on_stateful_replace(tmp_path, capsys):
    def bucket(name):
        return template(B=res("AWS::S3::Bucket", {"BucketName": name}))

    base = write_assembly(tmp_path / "base", {"Dev/Data": bucket("a")})
    current = write_assembly(tmp_path / "current", {"Dev/Data": bucket("b")})
    assert main([str(current), "--base-cdk-out", str(base), "--fail-on-replace", "stateful"]) == 1
    assert capsys.readouterr().out.splitlines()[2].startswith("!!! STATEFUL RESOURCES REPLACED")


def test_cli_fails_clearly_without_a_synth_or_snapshots(tmp_path):
    with pytest.raises(SystemExit, match=r"no cloud assembly at .*missing; run `make synth` first"):
        main([str(tmp_path / "missing")])
    current = write_assembly(tmp_path / "current", {"Dev/Data": template()})
    with pytest.raises(SystemExit, match=r"no template snapshots in .*empty; record them with `make snapshot`"):
        main([str(current), "--snapshots", str(tmp_path / "empty")])


def test_base_ref_is_synthesized_by_its_own_make_in_a_temporary_worktree_and_fails_clearly(tmp_path):
    """`--base-ref`: a throwaway git repo whose `make synth` writes an assembly stands in for the app (the real
    synth of a ref is the same `make synth`); the worktree is removed afterwards."""
    repo = tmp_path / "repo"
    repo.mkdir()
    assembly = {"Dev/Data": template(A=res("AWS::SNS::Topic", {"DisplayName": "base"}))}
    write_assembly(repo / "fixture", assembly)
    (repo / "Makefile").write_text("synth:\n\tcp -r fixture cdk.out\n")
    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    with synthesized_ref("HEAD", repo) as out:
        assert load_synth(out)[0] == assembly
        worktree = out.parent
        assert worktree.is_dir()
    assert not worktree.exists()
    assert len(subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True).stdout.splitlines()) == 1
    with pytest.raises(SystemExit, match=r"BASE='origin/nope' is no commit in this repository; .*git fetch"):
        with synthesized_ref("origin/nope", repo):
            pass
    (repo / "Makefile").write_text("synth:\n\tfalse\n")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "broken")
    with pytest.raises(SystemExit, match="`make synth` of HEAD failed"):
        with synthesized_ref("HEAD", repo):
            pass


# ------------------------------------------------------------------------------------------- the real synth


def serving_stacks(templates: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(stack, endpoint config, endpoint) for every endpoint of every configured stage."""
    found = []
    for stack, body in templates.items():
        for logical_id, resource in body.get("Resources", {}).items():
            target = resource.get("Properties", {}).get("EndpointConfigName", {})
            if resource["Type"] == "AWS::SageMaker::Endpoint" and "Fn::GetAtt" in target:
                found.append((stack, target["Fn::GetAtt"][0], logical_id))
    return found


def test_real_synth_weight_change_and_bucket_rename(synthesized):
    current, regions = load_synth(synthesized.outdir)
    assert not [d for d in diff_templates(current, current, regions) if d.status != "unchanged"]
    changed = copy.deepcopy(current)
    endpoints = serving_stacks(changed)
    assert endpoints
    for stack, config, _ in endpoints:
        first = changed[stack]["Resources"][config]["Properties"]["ProductionVariants"][0]
        first["InitialVariantWeight"] = first.get("InitialVariantWeight", 1.0) + 1
    data_stacks = [name for name in changed if name.endswith("/Data")]
    assert data_stacks
    renamed = {}
    for stack in data_stacks:
        bucket = next(k for k, r in changed[stack]["Resources"].items() if r["Type"] == "AWS::S3::Bucket")
        renamed[stack] = ("Renamed" + bucket, bucket)
        changed[stack] = json.loads(json.dumps(changed[stack]).replace(f'"{bucket}"', f'"Renamed{bucket}"'))

    diffs = {d.stack: d for d in diff_templates(current, changed, regions)}
    for stack, config, endpoint in endpoints:
        resources = by_id(diffs[stack])
        assert resources[config].impact == "replace", stack
        assert resources[endpoint].impact == "update", stack
    text = render(list(diffs.values()), "synth", "changed")
    loud = text[: text.index("\nStack ")]
    for stack, (new_id, old_id) in renamed.items():
        assert by_id(diffs[stack])[new_id].kind == "renamed"
        assert f"!!! {stack}: [~] AWS::S3::Bucket {new_id} RENAMED from {old_id}" in loud


def test_references_cover_ref_getatt_and_sub():
    value = {"A": {"Ref": "Bucket"}, "B": [{"Fn::GetAtt": "Key.Arn"}],
             "C": {"Fn::Sub": ["arn:${Topic}:${Role.Arn}:${!Literal}", {}]}}
    assert sorted(references(value)) == [(("A",), "Bucket"), (("B", 0), "Key"), (("C",), "Role"), (("C",), "Topic")]


def test_a_region_cfn_lint_does_not_know_reads_the_us_east_1_schemas():
    assert property_impact("AWS::S3::Bucket", ("BucketName",), "xx-nowhere-1") == "replace"


def test_added_and_removed_values_are_marked():
    base, new = template(), template()
    new["Outputs"] = {"TopicArn": {"Value": "x"}}
    assert render([diff_stack("Dev/Data", base, new)], "a", "b").splitlines()[3] == (
        '[+] Outputs.TopicArn: <absent> -> {"Value":"x"}')


def test_replacing_a_custom_named_resource_is_called_out_as_failing():
    """EndpointName is create-only: renaming the construct keeps the name, the new endpoint cannot be created."""
    endpoint = res("AWS::SageMaker::Endpoint", {"EndpointName": "mlinf-prod-realtime", "EndpointConfigName": "c"})
    diff = diff_stack("Prod/Serving", template(Endpoint=endpoint), template(Renamed=copy.deepcopy(endpoint)))
    (renamed,) = diff.resources
    assert renamed.fixed_names == ["EndpointName"] and renamed.loud
    assert "FAILS: it keeps its custom EndpointName" in render([diff], "a", "b").splitlines()[3]
    # a replacement that also changes the name is fine; an in-place update never fails this way
    def named(name, config):
        return template(E=res("AWS::SageMaker::Endpoint", {"EndpointName": name, "EndpointConfigName": config}))

    assert not by_id(diff_stack("Prod/Serving", named("a", "c"), named("b", "c")))["E"].loud
    assert not by_id(diff_stack("Prod/Serving", named("a", "c"), named("a", "d")))["E"].loud
