"""tools/ops/preflight.py and tools/ops/model.py against stubbed AWS clients (botocore Stubber): every check
fails with the missing thing named and the command that fixes it, and passes when the thing exists. The
end-to-end walk-through in the emulator is tests/integration/test_first_deploy_staging.py."""

from __future__ import annotations

import copy
import json
from contextlib import ExitStack

import boto3
import pytest
from aws_cdk import DefaultStackSynthesizer
from botocore.stub import ANY, Stubber

from config import ENVIRONMENTS, load_environments
from sagemaker_serving_cdk.rules.handler import framework_model_environment
from stacks.billing_alarms import BILLING_REGION
from tools.ops import model as model_push
from tools.ops import preflight
from tools.ops.aws import OpsError

ENVIRONMENT_NAMES = [env["name"] for env in ENVIRONMENTS]
OUTPUTS = {"ModelBucketName": "models-bucket", "DataKeyArn": "arn:aws:kms:us-east-1:222222222222:key/k",
           "ModelPackageGroupName": "mlinf-staging-models"}


def configured(name: str, serving: dict | None = None):
    raw = copy.deepcopy(list(ENVIRONMENTS))
    if serving is not None:
        next(env for env in raw if env["name"] == name)["serving"] = serving
    return next(env for env in load_environments(raw) if env.name == name)


class FakeAccess:
    """StageAccess with stubbed clients per (service, region) and given Data stack outputs."""

    def __init__(self, config, outputs=None):
        self.config, self.outputs, self.stubs, self._clients = config, outputs, {}, {}

    def client(self, service, region=None):
        key = (service, region or self.config.region)
        if key not in self._clients:
            self._clients[key] = boto3.client(service, region_name=key[1], aws_access_key_id="x",
                                              aws_secret_access_key="x")
            self.stubs[key] = Stubber(self._clients[key])
            self.stubs[key].activate()
        return self._clients[key]

    def stub(self, service, region=None) -> Stubber:
        self.client(service, region)
        return self.stubs[(service, region or self.config.region)]

    def data_outputs(self):
        return self.outputs

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def bootstrap_present(access, region, version="30"):
    access.stub("cloudformation", region).add_response("describe_stacks", {"Stacks": [{
        "StackName": "CDKToolkit", "CreationTime": "2024-01-01T00:00:00Z", "StackStatus": "CREATE_COMPLETE"}]},
        {"StackName": "CDKToolkit"})
    access.stub("ssm", region).add_response("get_parameter", {"Parameter": {"Value": version}},
                                            {"Name": "/cdk-bootstrap/hnb659fds/version"})


def test_constants_match_what_the_app_synthesizes(synthesized):
    assert preflight.BOOTSTRAP_QUALIFIER == DefaultStackSynthesizer.DEFAULT_QUALIFIER
    assert preflight.BILLING_REGION == BILLING_REGION
    required = set()
    for manifest in [synthesized.outdir / "manifest.json", *synthesized.outdir.glob("assembly-*/manifest.json")]:
        for artifact in json.loads(manifest.read_text())["artifacts"].values():
            version = artifact.get("properties", {}).get("requiresBootstrapStackVersion")
            if version:
                required.add(version)
    assert required and max(required) == preflight.MIN_BOOTSTRAP_VERSION


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_artifacts_and_packages_are_what_the_stage_models_read(name):
    config = configured(name)
    artifacts, versions = preflight.model_artifacts(config), preflight.package_versions(config)
    serving = config.serving
    used = {m for e in serving.endpoints.values() for m in e.model_names} | {t.model for t in config.batch.transforms.values()}
    for model_name in used:
        model = serving.models[model_name]
        if model.model_data_asset:
            assert not any(f"model {model_name}" in users for users in artifacts.values())
        elif model.is_registry_package:
            assert f"model {model_name}" in versions[model.model_package_version]
        elif not model.is_multi_model:
            assert f"model {model_name}" in artifacts[model.model_data_key or serving.default_model_data_key]
    for endpoint in serving.endpoints:
        if serving.serves_multi_model(endpoint):
            assert any(f"endpoint {endpoint}'s smoke request" in users for users in artifacts.values())
    assert preflight.deploy_regions(config)[0] == config.region and BILLING_REGION in preflight.deploy_regions(config)


def test_fails_when_a_region_is_not_bootstrapped():
    access = FakeAccess(configured("prod"))
    access.stub("cloudformation", "us-east-1").add_client_error(
        "describe_stacks", service_error_code="ValidationError", service_message="Stack with id CDKToolkit does not exist")
    check = preflight.check_bootstrap(access, "us-east-1", "444444444444")
    access.verify()
    assert not check.ok and check.detail == "no CDKToolkit stack in us-east-1"
    assert check.fix.startswith("npx cdk bootstrap aws://333333333333/us-east-1 --trust 444444444444 ")


def test_fails_when_the_bootstrap_version_is_too_old():
    access = FakeAccess(configured("prod"))
    bootstrap_present(access, "us-west-2", version="5")
    check = preflight.check_bootstrap(access, "us-west-2", "444444444444")
    assert not check.ok and check.detail == f"bootstrap version 5 < {preflight.MIN_BOOTSTRAP_VERSION}"
    assert "npx cdk bootstrap aws://333333333333/us-west-2" in check.fix


def test_fails_naming_a_missing_artifact_and_the_push_that_fixes_it():
    config = configured("prod")
    access = FakeAccess(config)
    for key in preflight.model_artifacts(config):
        access.stub("s3").add_client_error("head_object", service_error_code="404", http_status_code=404,
                                           expected_params={"Bucket": "b", "Key": key})
    checks = preflight.check_artifacts(access, "b")
    access.verify()
    assert checks and all(not c.ok for c in checks)
    for check, key in zip(checks, preflight.model_artifacts(config)):
        assert check.name == f"model artifact s3://b/{key}"
        assert check.fix == f"python -m tools.ops model push --stage Prod --file MODEL.tar.gz --key {key}"


def test_fails_when_a_package_version_is_missing_or_not_approved():
    config = configured("staging", {"models": {"main": {"model_package_version": 1}, "third": {"model_package_version": 3}},
                                    "endpoints": {"api": {"variants": [{"name": "x", "model": "main"},
                                                                       {"name": "y", "model": "third"}]}}})
    access = FakeAccess(config)
    sagemaker = access.stub("sagemaker")
    sagemaker.add_response("list_model_packages", {"ModelPackageSummaryList": [{
        "ModelPackageArn": "arn:aws:sagemaker:us-east-1:222222222222:model-package/g/1", "CreationTime": "2024-01-01",
        "ModelPackageStatus": "Completed"}]}, {"ModelPackageGroupName": "g"})
    sagemaker.add_response("describe_model_package", {
        "ModelPackageName": "g", "ModelPackageArn": "arn:aws:sagemaker:us-east-1:222222222222:model-package/g/1", "CreationTime": "2024-01-01", "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": "PendingManualApproval", "ModelPackageStatusDetails": {"ValidationStatuses": []}},
        {"ModelPackageName": "arn:aws:sagemaker:us-east-1:222222222222:model-package/g/1"})
    sagemaker.add_client_error("describe_model_package", service_error_code="ValidationException",
                               service_message="Model package not found")
    pending, missing = preflight.check_packages(access, "g")
    access.verify()
    assert not pending.ok and pending.detail == "approval status PendingManualApproval"
    assert "aws sagemaker update-model-package --model-package-arn" in pending.fix and "Approved" in pending.fix
    assert not missing.ok and "the group holds 1 version(s)" in missing.detail
    assert missing.fix == ("python -m tools.ops model push --stage Staging --file MODEL.tar.gz --key models/model-v3.tar.gz "
                           "--register  (2 registrations up to version 3)")


def test_fails_when_billing_alerts_are_off_and_passes_when_the_metric_exists():
    access = FakeAccess(configured("dev"))
    cloudwatch = access.stub("cloudwatch", BILLING_REGION)
    expected = {"Namespace": "AWS/Billing", "MetricName": "EstimatedCharges"}
    cloudwatch.add_response("list_metrics", {"Metrics": []}, expected)
    cloudwatch.add_response("list_metrics", {"Metrics": [{"Namespace": "AWS/Billing", "MetricName": "EstimatedCharges"}]},
                            expected)
    off, on = preflight.check_billing_metric(access), preflight.check_billing_metric(access)
    assert not off.ok and "Receive CloudWatch billing alerts" in off.fix and "no API or CLI command" in off.fix
    assert on.ok


def test_a_stage_whose_data_stack_is_missing_is_told_to_deploy_it_first():
    config = configured("staging")
    access = FakeAccess(config, outputs=None)
    for region in preflight.deploy_regions(config):
        bootstrap_present(access, region)
    access.stub("cloudwatch", BILLING_REGION).add_response("list_metrics", {"Metrics": []}, None)
    checks = preflight.preflight(access, "444444444444")
    data = next(c for c in checks if c.name == "data stack Staging-Data")
    assert not data.ok and data.fix.startswith("npx cdk deploy 'Staging/Data', then push the models")


def test_a_stage_with_everything_in_place_is_ready(capsys, monkeypatch):
    config = configured("dev")  # an asset model: bootstrap and billing only
    access = FakeAccess(config)
    for region in preflight.deploy_regions(config):
        bootstrap_present(access, region)
    access.stub("cloudwatch", BILLING_REGION).add_response("list_metrics", {"Metrics": [{"MetricName": "EstimatedCharges"}]})
    monkeypatch.setattr(preflight, "StageAccess", lambda aws, config, role_arn: access)
    monkeypatch.setattr(preflight, "find_stage", lambda stage, account: config)
    args = preflight_args("Dev")
    assert preflight.run(args, aws=None) == 0
    assert "Dev: ready to deploy (2 checks passed)" in capsys.readouterr().out


def preflight_args(stage):
    import argparse

    return argparse.Namespace(stage=stage, account=None, role_arn=None)


# --- model push ------------------------------------------------------------------------------------------------


def test_push_uploads_with_the_stage_key_and_registers_an_approved_version(tmp_path):
    from inference_code.framework import REGISTRY_PACKAGE_FRAMEWORK
    from sagemaker_serving_cdk.rules.images import framework_image

    config = configured("staging")
    access = FakeAccess(config, outputs=OUTPUTS)
    artifact = tmp_path / "model.tar.gz"
    artifact.write_bytes(b"not read by the stub")
    access.stub("s3").add_response("put_object", {}, {
        "Bucket": "models-bucket", "Key": "models/model-v1.tar.gz", "Body": ANY, "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": OUTPUTS["DataKeyArn"], "ContentType": "application/gzip", "ChecksumAlgorithm": ANY})
    access.stub("sagemaker").add_response("create_model_package", {
        "ModelPackageArn": "arn:aws:sagemaker:us-east-1:222222222222:model-package/mlinf-staging-models/1"}, {
        "ModelPackageGroupName": "mlinf-staging-models", "ModelPackageDescription": ANY,
        "InferenceSpecification": {
            "Containers": [{"Image": framework_image(*REGISTRY_PACKAGE_FRAMEWORK, config.region).uri,
                            "ModelDataUrl": "s3://models-bucket/models/model-v1.tar.gz",
                            "Environment": framework_model_environment(config.region)}],
            "SupportedContentTypes": ANY, "SupportedResponseMIMETypes": ANY},
        "ModelApprovalStatus": "Approved"})
    made = model_push.push(access, artifact, "models/model-v1.tar.gz", register=True)
    access.verify()
    assert made["version"] == "1" and made["uri"] == "s3://models-bucket/models/model-v1.tar.gz"


def test_push_fails_when_the_data_stack_is_not_deployed(tmp_path):
    access = FakeAccess(configured("staging"), outputs=None)
    with pytest.raises(OpsError, match=r"Staging-Data is not deployed: .* npx cdk deploy 'Staging/Data' first"):
        model_push.push(access, tmp_path / "m.tar.gz", "models/m.tar.gz", register=False)


def test_fails_on_a_file_that_is_not_a_model_archive(tmp_path):
    with pytest.raises(OpsError, match="no such file"):
        model_push.check_model_file(tmp_path / "missing.tar.gz")
    text = tmp_path / "model.tar.gz"
    text.write_text("not a tarball")
    with pytest.raises(OpsError, match=r"not a gzip-compressed tar \(model.tar.gz\)"):
        model_push.check_model_file(text)


def test_fails_on_a_key_s3_would_mangle():
    with pytest.raises(OpsError, match=r"--key 'models/my model.tar.gz': String should match pattern"):
        model_push.check_key("models/my model.tar.gz")
    assert model_push.check_key("models/model-v1.tar.gz") == "models/model-v1.tar.gz"


def test_fails_when_the_credentials_are_for_another_account(monkeypatch):
    from tools.ops import stage as stage_module
    from tools.ops.aws import Aws

    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sts) as stub:
        stub.add_response("get_caller_identity", {"Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/u", "UserId": "AIDAEXAMPLE"})
        monkeypatch.setattr(stage_module.StageAccess, "client", lambda self, service, region=None: sts)
        with pytest.raises(OpsError, match=r"the credentials are for account 999999999999, but Staging deploys to "
                                           r"222222222222; .*--account 999999999999"):
            stage_module.StageAccess(Aws(region="us-east-1"), configured("staging"))


def test_fails_on_an_unknown_stage():
    from tools.ops.stage import find_stage

    from config import ENVIRONMENTS

    names = ", ".join(raw["name"] for raw in ENVIRONMENTS)
    with pytest.raises(OpsError) as raised:
        find_stage("Nosuch")
    assert str(raised.value) == (f"--stage 'Nosuch' is not a configured environment; environments: {names} "
                                 "(case does not matter)")
