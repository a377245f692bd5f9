"""Prod deployed to the emulator as `deploy_local --stage Prod` does it, including its Billing stack in us-east-1
(the stage's own region is another), smoke-tested, then destroyed: termination protection must be switched off
first, and the retained data survives."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.integration.conftest import run_cli
from tools import smoke_test
from tools.deploy_local import DeployError, destroy, stack_regions
from tools.local_emulator import ACCOUNT_ID
from tools.ops.preflight import BILLING_REGION
from stacks.smoke_test_access import smoke_test_role_name

pytestmark = pytest.mark.integration


def test_every_stack_completed_in_its_own_region(prod_stage):
    regions = stack_regions(prod_stage.outdir, "Prod")
    assert regions["Prod-Billing"] == BILLING_REGION != prod_stage.region
    for name, region in regions.items():
        stack = _client(prod_stage, region, "cloudformation").describe_stacks(StackName=name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", name
    assert [row for row in prod_stage.landed if row.status == "MISSING"] == []


def _runs_here(config, endpoint: str) -> bool:
    """The emulator serves framework images in their own serving stacks; a custom image would need Docker."""
    settings = config.serving.endpoints[endpoint]
    return all(config.serving.models[v.model].image.kind == "framework" for v in settings.variants)


def test_every_endpoint_answers_its_smoke_request_or_names_why_the_emulator_cannot_run_it(prod_stage):
    config = smoke_test.stage_config("Prod")
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/{smoke_test_role_name(config)}"
    code, out, err = run_cli(smoke_test.main, ["--stage", "Prod", "--endpoint-url", prod_stage.emulator.endpoint_url,
                                               "--role-arn", role])
    for endpoint in config.serving.endpoints:
        line = next(line for line in out.splitlines() if line.split()[1:2] == [endpoint])
        if _runs_here(config, endpoint):
            assert line.startswith("ok "), out + err
        else:  # deployed (model, config, endpoint) but not runnable without Docker: the probe says so, and fails
            assert line.startswith("FAIL ") and "custom images need Docker" in line, out + err
    assert (code == 0) == all(_runs_here(config, e) for e in config.serving.endpoints), out + err


def _client(stage, region, service):
    from tools.deploy_local import client

    return client(stage.emulator, region, service)


def _exists(call) -> bool:
    try:
        call()
        return True
    except botocore.exceptions.ClientError:
        return False


@pytest.mark.destroys_stage
def test_destroy_needs_termination_protection_off_and_keeps_the_data(prod_stage):
    regions = stack_regions(prod_stage.outdir, "Prod")
    templates = prod_stage.templates()
    physical = {
        name: {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in _client(prod_stage, region, "cloudformation")
               .list_stack_resources(StackName=name)["StackResourceSummaries"]}
        for name, region in regions.items()
    }
    with pytest.raises(DeployError, match=r"Stack \[Prod-Data\] cannot be deleted while TerminationProtection is enabled"):
        destroy(prod_stage.emulator, stage="Prod", region=prod_stage.region, outdir=prod_stage.outdir,
                disable_termination_protection=False)
    switched = destroy(prod_stage.emulator, stage="Prod", region=prod_stage.region, outdir=prod_stage.outdir)
    assert "Prod-Data" in switched
    for name, region in regions.items():
        assert not _exists(lambda: _client(prod_stage, region, "cloudformation").describe_stacks(StackName=name)), name
    s3, kms = prod_stage.client("s3"), prod_stage.client("kms")
    retained = 0
    for logical_id, resource in templates["Prod-Data"]["Resources"].items():
        if resource.get("DeletionPolicy") != "Retain":
            continue
        physical_id = physical["Prod-Data"][logical_id]
        if resource["Type"] == "AWS::S3::Bucket":
            assert _exists(lambda: s3.head_bucket(Bucket=physical_id)), logical_id
            retained += 1
        elif resource["Type"] == "AWS::KMS::Key":
            assert kms.describe_key(KeyId=physical_id)["KeyMetadata"]["KeyState"] == "Enabled", logical_id
            retained += 1
    assert retained >= 4  # the key and the input, output and model buckets (prod keeps its data)
