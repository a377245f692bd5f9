"""The cost estimate: template parsing and pricing on small synthetic assemblies, schedules, the baseline
delta, the CLI, and that the estimate of a real synthesized environment follows its config."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from config import ENVIRONMENTS, load_environments
from stacks.application import PROJECT_ROOT, build_app
from tools import cost_estimate
from tools.cost_estimate import PricingError, Prices, deltas, estimate, load_stacks, runs_per_month
from tests.environments import BY_STAGE, STAGE_IDS, stages_where

PRICES = Prices.load()
HOURS = 730
M5_LARGE = PRICES.table["regions"]["us-east-1"]["instance_hour"]["ml.m5.large"]
M5_XLARGE = PRICES.table["regions"]["us-west-2"]["instance_hour"]["ml.m5.xlarge"]
M5_2XLARGE = PRICES.table["regions"]["us-west-2"]["instance_hour"]["ml.m5.2xlarge"]
ENDPOINT = "RealtimeEndpoint7B098905"  # logical ids as CDK writes them: construct path plus a hash


# ------------------------------------------------------------------------------------------- synthetic assemblies

def write_assembly(root: Path, stacks: dict[str, tuple[str, dict]]) -> Path:
    """A cloud assembly like `cdk synth` writes: one nested assembly per stage. `stacks` maps `Stage/Stack` to
    (region, template)."""
    stages: dict[str, dict] = {}
    for display, (region, template) in stacks.items():
        stage, stack = display.split("/")
        directory = root / f"assembly-{stage}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{stage}{stack}.template.json").write_text(json.dumps(template))
        stages.setdefault(stage, {})[f"{stage}{stack}"] = {
            "type": "aws:cloudformation:stack", "environment": f"aws://123456789012/{region}",
            "displayName": display, "properties": {"templateFile": f"{stage}{stack}.template.json"}}
    for stage, artifacts in stages.items():
        (root / f"assembly-{stage}" / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    (root / "manifest.json").write_text(json.dumps({"artifacts": {
        f"assembly-{stage}": {"type": "cdk:cloud-assembly",
                              "properties": {"directoryName": f"assembly-{stage}", "displayName": stage}}
        for stage in stages}}))
    return root


def endpoint_template(variants: list[dict], *, scaling: dict | None = None, async_config: bool = False,
                      shadow: list[dict] | None = None) -> dict:
    config = {"ProductionVariants": variants}
    if async_config:
        config["AsyncInferenceConfig"] = {"OutputConfig": {"S3OutputPath": "s3://b/async/"}}
    if shadow:
        config["ShadowProductionVariants"] = shadow
    resources = {
        "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": config},
        ENDPOINT: {"Type": "AWS::SageMaker::Endpoint",
                   "Properties": {"EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}}},
    }
    for variant, (low, high) in (scaling or {}).items():
        resources[f"Target{variant}"] = {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
            "ServiceNamespace": "sagemaker", "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": low, "MaxCapacity": high,
            "ResourceId": {"Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": [ENDPOINT, "EndpointName"]}, f"/variant/{variant}"]]}}}
    return {"Resources": resources}


def instance(name: str, instance_type: str = "ml.m5.large", count: int = 1) -> dict:
    return {"VariantName": name, "ModelName": "m", "InstanceType": instance_type, "InitialInstanceCount": count}


def estimate_of(tmp_path: Path, template: dict, region: str = "us-east-1"):
    stacks = load_stacks(write_assembly(tmp_path, {"Test/Serving": (region, template)}))
    return estimate(stacks, PRICES)["Test"]


def item(stage, key_suffix: str):
    found = [i for i in stage.items if i.key.endswith(key_suffix)]
    assert len(found) == 1, [i.key for i in stage.items]
    return found[0]


def test_instance_variants_at_min_and_max_capacity(tmp_path):
    stage = estimate_of(tmp_path, endpoint_template(
        [instance("champion", count=2), instance("challenger", count=1)], scaling={"champion": (2, 8)}))
    champion = item(stage, "/RealtimeEndpoint/champion")
    assert (champion.monthly_min, champion.monthly_max) == pytest.approx((2 * HOURS * M5_LARGE, 8 * HOURS * M5_LARGE))
    assert champion.quantity == "2-8 x ml.m5.large x 730 h"
    challenger = item(stage, "/RealtimeEndpoint/challenger")  # no autoscaling: the initial count in both columns
    assert challenger.monthly_min == challenger.monthly_max == pytest.approx(HOURS * M5_LARGE)
    assert stage.monthly_max == pytest.approx(9 * HOURS * M5_LARGE)


def test_shadow_variants_cost_like_any_instance(tmp_path):
    stage = estimate_of(tmp_path, endpoint_template([instance("live")], shadow=[instance("shadow", count=2)]))
    assert item(stage, "/shadow").monthly_max == pytest.approx(2 * HOURS * M5_LARGE)
    assert "(shadow)" in item(stage, "/shadow").item


def test_async_variant_that_scales_to_zero_is_busy_for_the_assumed_hours(tmp_path):
    stage = estimate_of(tmp_path, endpoint_template([instance("primary")], scaling={"primary": (0, 2)},
                                                    async_config=True))
    busy = PRICES.assumptions["async_busy_hours_per_month_when_scaled_to_zero"]
    primary = item(stage, "/primary")
    assert (primary.monthly_min, primary.monthly_max) == pytest.approx((busy * M5_LARGE, 2 * HOURS * M5_LARGE))
    assert "(async)" in primary.item and "busy" in primary.quantity


def test_serverless_usage_from_the_stated_assumptions(tmp_path):
    stage = estimate_of(tmp_path, endpoint_template([{"VariantName": "AllTraffic", "ModelName": "m",
                                                      "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}]))
    a = PRICES.assumptions
    gb_seconds = a["serverless_requests_per_month"] * a["serverless_mean_duration_ms"] / 1000 * 2
    data_gb = a["serverless_requests_per_month"] * a["serverless_payload_kb_in_and_out"] / 1024 / 1024
    expected = gb_seconds * 0.00002 + data_gb * 0.016
    serverless = item(stage, "/AllTraffic")
    assert serverless.monthly_min == serverless.monthly_max == pytest.approx(expected)
    assert expected == pytest.approx(0.8153, abs=1e-4)  # 40,000 GB-s and 0.95 GB of payload


def test_provisioned_concurrency_needs_a_price_in_the_table(tmp_path):
    template = endpoint_template([{"VariantName": "AllTraffic", "ModelName": "m", "ServerlessConfig": {
        "MemorySizeInMB": 1024, "MaxConcurrency": 5, "ProvisionedConcurrency": 2}}])
    with pytest.raises(PricingError, match=r"no 'serverless_provisioned_gb_second' price for us-east-1"):
        estimate_of(tmp_path, template)


def test_an_endpoint_config_without_an_endpoint_costs_nothing(tmp_path):
    template = endpoint_template([instance("primary")])
    del template["Resources"][ENDPOINT]
    assert estimate_of(tmp_path, template).items == []


def test_prices_follow_the_stack_region(tmp_path):
    stage = estimate_of(tmp_path, endpoint_template([instance("primary", "ml.m5.xlarge")]), region="us-west-2")
    assert item(stage, "/primary").monthly_max == pytest.approx(HOURS * M5_XLARGE)


def test_fails_on_an_instance_type_without_a_price(tmp_path):
    with pytest.raises(PricingError, match=r"no instance_hour price for ml.p4d.24xlarge in us-east-1 in tools/prices.json"):
        estimate_of(tmp_path, endpoint_template([instance("primary", "ml.p4d.24xlarge")]))


def test_fails_on_a_region_without_prices(tmp_path):
    with pytest.raises(PricingError, match=r"no prices for region 'eu-central-2' in tools/prices.json; add it"):
        estimate_of(tmp_path, endpoint_template([instance("primary")]), region="eu-central-2")


def test_fails_without_a_cloud_assembly(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no cloud assembly at .*; run `make synth` first"):
        load_stacks(tmp_path)


# ------------------------------------------------------------------------------------------- batch and schedules

MACHINE = "NightlyStateMachine5E1A9B2C"


def batch_template(schedule: dict | None, instance_type: str = "ml.m5.large", count: int = 2) -> dict:
    definition = {"Fn::Join": ["", [
        '{"StartAt":"Transform","States":{"Transform":{"Type":"Task","Resource":"arn:',
        {"Ref": "AWS::Partition"},
        ':states:::sagemaker:createTransformJob.sync","Parameters":{"ModelName":"',
        {"Fn::GetAtt": ["Model", "ModelName"]},
        f'","TransformResources":{{"InstanceCount":{count},"InstanceType":"{instance_type}"}}}},"End":true}}}}}}',
    ]]}
    resources = {MACHINE: {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": definition}}}
    if schedule is not None:
        resources["Schedule"] = schedule
    return {"Resources": resources}


def scheduler(expression: str, state: str = "ENABLED") -> dict:
    return {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": expression, "State": state, "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": {"Ref": MACHINE}, "RoleArn": "r"}}}


def test_batch_transform_runs_from_its_schedule(tmp_path):
    stage = estimate_of(tmp_path, batch_template(scheduler("rate(1 day)")))
    batch = item(stage, "/transform0")
    hours_per_run = PRICES.assumptions["batch_hours_per_run"]
    assert batch.monthly_max == pytest.approx(365 / 12 * hours_per_run * 2 * M5_LARGE)
    assert "rate(1 day)" in batch.quantity and "NightlyStateMachine batch transform" in batch.item


def test_batch_transform_on_an_events_rule(tmp_path):
    rule = {"Type": "AWS::Events::Rule", "Properties": {
        "ScheduleExpression": "cron(0 2 ? * MON-FRI *)", "State": "ENABLED", "Targets": [{"Arn": {"Ref": MACHINE}, "Id": "t"}]}}
    batch = item(estimate_of(tmp_path, batch_template(rule, count=1)), "/transform0")
    assert batch.monthly_max == pytest.approx(5 * 365 / 12 / 7 * M5_LARGE)


def test_unscheduled_or_disabled_batch_uses_the_assumed_runs(tmp_path):
    runs = PRICES.assumptions["batch_runs_per_month_without_schedule"]
    batch = item(estimate_of(tmp_path, batch_template(scheduler("rate(1 hour)", state="DISABLED"), count=1)), "/transform0")
    assert batch.monthly_max == pytest.approx(runs * M5_LARGE)
    assert "no enabled schedule: assumed" in batch.quantity


def test_fails_when_the_transform_instance_type_is_decided_at_run_time(tmp_path):
    template = batch_template(None)
    parts = template["Resources"][MACHINE]["Properties"]["DefinitionString"]["Fn::Join"][1]
    parts[-1] = '","TransformResources":{"InstanceCount":1,"InstanceType.$":"$.type"}},"End":true}}}'
    with pytest.raises(PricingError, match=r"a transform's instance type is decided at run time"):
        estimate_of(tmp_path, template)


@pytest.mark.parametrize("expression, runs", [
    ("rate(1 day)", 365 / 12),
    ("rate(7 days)", 365 / 12 / 7),
    ("rate(6 hours)", 4 * 365 / 12),
    ("rate(30 minutes)", 48 * 365 / 12),
    ("cron(0 2 * * ? *)", 365 / 12),
    ("cron(0 8 ? * MON-FRI *)", 5 * 365 / 12 / 7),
    ("cron(0 8 ? * 2-6 *)", 5 * 365 / 12 / 7),
    ("cron(0/15 * * * ? *)", 4 * 24 * 365 / 12),
    ("cron(0 0,12 1 * ? *)", 2),
    ("cron(0 3 ? * MON#1 *)", 1),
    ("cron(0 3 L * ? *)", 1),
    ("cron(0 0 1 1 ? *)", 1 / 12),
    ("cron(0 0 1 1-6 ? *)", 0.5),
    ("at(2026-12-24T08:00:00)", 1),
])
def test_runs_per_month(expression, runs):
    assert runs_per_month(expression) == pytest.approx(runs)


def test_fails_on_an_expression_it_cannot_read():
    with pytest.raises(PricingError, match=r"cannot tell how often 'every day' runs"):
        runs_per_month("every day")


# ------------------------------------------------------------------------------------------- storage and fixed items

def test_storage_keys_alarms_and_dashboards(tmp_path):
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {}}
    template = {"Resources": {
        "BucketsInputB5DF1CC8": bucket, "BucketsOutput021CF86B": bucket, "ScratchA1B2C3D4": bucket,
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Simple": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Invocations"}},
        "Math": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": [
            {"Id": "e", "MetricStat": {}}, {"Id": "i", "MetricStat": {}}, {"Id": "rate", "Expression": "e / i"}]}},
        "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}},
    }}
    stage = estimate_of(tmp_path, template)
    sizes = PRICES.assumptions["s3_gb_by_bucket"]
    other = PRICES.assumptions["s3_gb_other_bucket"]
    assert item(stage, "/s3").monthly_max == pytest.approx((sizes["Input"] + sizes["Output"] + other) * 0.023)
    assert item(stage, "/kms").monthly_max == 1.0
    alarms = item(stage, "/alarms")
    assert (alarms.quantity, alarms.monthly_max) == ("2 alarms, 3 metrics", pytest.approx(0.3))
    assert item(stage, "/dashboards").monthly_max == 3.0


# ------------------------------------------------------------------------------------------- baseline and output

def two_stage_estimate(tmp_path: Path, prod_count: int) -> dict:
    root = write_assembly(tmp_path / f"out{prod_count}", {
        "Dev/Serving": ("us-east-1", endpoint_template([instance("primary")])),
        "Prod/Serving": ("us-east-1", endpoint_template([instance("primary", count=prod_count)])),
    })
    return estimate(load_stacks(root), PRICES)


def test_delta_against_the_baseline_names_the_items_that_moved(tmp_path):
    baseline = cost_estimate.to_baseline(two_stage_estimate(tmp_path, 1), PRICES)
    changes = {d.stage: d for d in deltas(two_stage_estimate(tmp_path, 3), baseline)}
    assert changes["Dev"].monthly_max == 0 and changes["Dev"].items == ()
    expected = round(2 * HOURS * M5_LARGE, 2)
    assert changes["Prod"].monthly_min == changes["Prod"].monthly_max == pytest.approx(expected)
    assert changes["Prod"].items == (("Prod/Serving/RealtimeEndpoint/primary", expected, expected),)


def test_delta_covers_items_and_stages_that_disappear(tmp_path):
    baseline = cost_estimate.to_baseline(two_stage_estimate(tmp_path, 1), PRICES)
    baseline["stages"]["Qa"] = {"monthly_min": 10.0, "monthly_max": 20.0, "items": {"Qa/x": [10.0, 20.0]}}
    baseline["stages"]["Dev"]["items"]["Dev/Serving/gone"] = [1.5, 1.5]
    baseline["stages"]["Dev"]["monthly_min"] += 1.5
    baseline["stages"]["Dev"]["monthly_max"] += 1.5
    changes = {d.stage: d for d in deltas(two_stage_estimate(tmp_path, 1), baseline)}
    assert changes["Qa"].monthly_max == -20.0
    assert changes["Dev"].items == (("Dev/Serving/gone", -1.5, -1.5),)
    assert changes["Dev"].monthly_min == -1.5


def test_cli_writes_a_baseline_then_prints_the_change(tmp_path, capsys):
    baseline = tmp_path / "cost-baseline.json"
    one = write_assembly(tmp_path / "one", {"Prod/Serving": ("us-east-1", endpoint_template([instance("primary")]))})
    assert cost_estimate.main([str(one), "--baseline", str(baseline), "--write-baseline"]) == 0
    stored = json.loads(baseline.read_text())
    assert stored["stages"]["Prod"]["items"] == {"Prod/Serving/RealtimeEndpoint/primary": [83.95, 83.95]}
    assert '"Prod/Serving/RealtimeEndpoint/primary": [83.95, 83.95]' in baseline.read_text()  # one line per item
    capsys.readouterr()

    three = write_assembly(tmp_path / "three", {"Prod/Serving": ("us-east-1", endpoint_template(
        [instance("primary", count=3)]))})
    assert cost_estimate.main([str(three), "--baseline", str(baseline)]) == 0
    out = capsys.readouterr().out
    assert "Prod (account 123456789012; us-east-1)" in out
    assert "$251.85" in out  # 3 x ml.m5.large x 730 h
    assert "+$167.90/month" in out
    assert out.rstrip().endswith("Change against the baseline: +$167.90/month at min, +$167.90/month at max")


def test_cli_explains_a_missing_baseline_or_price(tmp_path, capsys):
    one = write_assembly(tmp_path / "one", {"Prod/Serving": ("us-east-1", endpoint_template([instance("primary")]))})
    assert cost_estimate.main([str(one), "--baseline", str(tmp_path / "missing.json")]) == 1
    assert "no baseline at" in capsys.readouterr().err
    bad = write_assembly(tmp_path / "bad", {"Prod/Serving": ("us-east-1", endpoint_template([instance("p", "ml.x9.huge")]))})
    assert cost_estimate.main([str(bad)]) == 1
    assert "error: no instance_hour price for ml.x9.huge" in capsys.readouterr().err


def test_price_table_names_its_sources_and_date():
    table = PRICES.table
    assert table["recorded"] and set(table["sources"]) >= {"sagemaker", "s3", "kms", "cloudwatch"}
    assert all(url.startswith("https://aws.amazon.com/") for url in table["sources"].values())


# ------------------------------------------------------------------------------------------- real environments

def test_every_environment_gets_dollar_figures(synthesized):
    stages = estimate(load_stacks(synthesized.outdir), PRICES)
    assert list(stages) == STAGE_IDS
    for stage in stages.values():
        assert stage.monthly_min > 0 and stage.monthly_max >= stage.monthly_min


def synthesize_variant(tmp_path: Path, name: str, change) -> dict:
    """Synthesize one environment with its raw config changed by `change`, and estimate it."""
    raw = copy.deepcopy(next(env for env in ENVIRONMENTS if env["name"] == name))
    change(raw)
    app, _ = build_app(load_environments([raw]), outdir=str(tmp_path), compliance_checks=False)
    app.synth()
    return estimate(load_stacks(tmp_path), PRICES)


def first_autoscaled_variant(raw: dict) -> dict:
    return next(variant for endpoint in raw["serving"]["endpoints"].values() for variant in endpoint.get("variants", [])
                if variant.get("autoscaling", {}).get("min_capacity", 0) >= 1)


AUTOSCALED = stages_where(lambda env: any(v.autoscaling and v.autoscaling.min_capacity >= 1
                                          for e in env.serving.endpoints.values() for v in e.variants))
INSTANCE_ENDPOINTS = stages_where(lambda env: any(e.variants for e in env.serving.endpoints.values()))


@pytest.mark.parametrize("stage", AUTOSCALED[:1])
def test_estimate_follows_instance_type_and_autoscaling_in_config(synthesized, tmp_path, stage):
    env = BY_STAGE[stage]
    before = estimate(load_stacks(synthesized.outdir), PRICES)[stage]
    variant = first_autoscaled_variant(next(raw for raw in ENVIRONMENTS if raw["name"] == env.name))
    old_type, scaling = variant["instance_type"], variant["autoscaling"]
    new_type = "ml.m5.4xlarge" if old_type == "ml.m5.2xlarge" else "ml.m5.2xlarge"
    old_price, new_price = (PRICES.price(env.region, "instance_hour", t) for t in (old_type, new_type))

    def bigger(raw):
        changed = first_autoscaled_variant(raw)
        changed["instance_type"] = new_type
        changed["autoscaling"]["max_capacity"] = scaling["max_capacity"] + 2

    after = synthesize_variant(tmp_path, env.name, bigger)[stage]
    assert after.monthly_min - before.monthly_min == pytest.approx(scaling["min_capacity"] * HOURS * (new_price - old_price))
    assert after.monthly_max - before.monthly_max == pytest.approx(
        HOURS * ((scaling["max_capacity"] + 2) * new_price - scaling["max_capacity"] * old_price))


@pytest.mark.parametrize("stage", INSTANCE_ENDPOINTS[:1])
def test_estimate_follows_instance_count_in_config(synthesized, tmp_path, stage):
    env = BY_STAGE[stage]
    before = estimate(load_stacks(synthesized.outdir), PRICES)[stage]
    raw = next(raw for raw in ENVIRONMENTS if raw["name"] == env.name)
    unscaled = next(v for e in raw["serving"]["endpoints"].values() for v in e.get("variants", [])
                    if "autoscaling" not in v)
    count, price = unscaled.get("initial_instance_count", 1), PRICES.price(env.region, "instance_hour", unscaled.get("instance_type", "ml.m5.large"))

    def two_more(raw):
        variant = next(v for e in raw["serving"]["endpoints"].values() for v in e.get("variants", [])
                       if v["name"] == unscaled["name"] and "autoscaling" not in v)
        variant["initial_instance_count"] = count + 2

    after = synthesize_variant(tmp_path, env.name, two_more)[stage]
    assert after.monthly_max - before.monthly_max == pytest.approx(2 * HOURS * price)
    assert after.monthly_min - before.monthly_min == pytest.approx(2 * HOURS * price)


# ------------------------------------------------------------------------------------------- component hosts

def component_host_template(*, managed: dict | None, components: dict[str, int | None], initial: int = 1,
                            instance_type: str = "ml.m5.xlarge") -> dict:
    """An endpoint whose variant names no model, hosting `components` (name -> copy-count minimum, None: no
    scalable target) the way the component constructs render them."""
    variant = {"VariantName": "AllTraffic", "InstanceType": instance_type, "InitialInstanceCount": initial}
    if managed is not None:
        variant["ManagedInstanceScaling"] = {"Status": "ENABLED", **managed}
    template = endpoint_template([variant])
    resources = template["Resources"]
    resources[ENDPOINT]["Properties"]["EndpointName"] = "mlinf-staging-shared"
    for index, (name, minimum) in enumerate(components.items()):
        logical_id = f"SharedComponent{index}A1B2C3D4"
        resources[logical_id] = {"Type": "AWS::SageMaker::InferenceComponent", "Properties": {
            "EndpointName": {"Fn::GetAtt": [ENDPOINT, "EndpointName"]}, "InferenceComponentName": name,
            "RuntimeConfig": {"CopyCount": 1}}}
        if minimum is not None:
            resource_id = f"inference-component/{name}" if index % 2 == 0 else {
                "Fn::Join": ["", ["inference-component/", {"Fn::GetAtt": [logical_id, "InferenceComponentName"]}]]}
            resources[f"Target{index}"] = {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
                "ServiceNamespace": "sagemaker", "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
                "MinCapacity": minimum, "MaxCapacity": 4, "ResourceId": resource_id}}
    return template


M5_XLARGE_EAST = PRICES.table["regions"]["us-east-1"]["instance_hour"]["ml.m5.xlarge"]


def test_a_component_host_costs_its_instances_once_shared_by_its_components(tmp_path):
    stage = estimate_of(tmp_path, component_host_template(
        managed={"MinInstanceCount": 1, "MaxInstanceCount": 3}, components={"a": 1, "b": None}))
    host = item(stage, "/AllTraffic")
    assert "component host: a, b" in host.item and host.quantity == f"1-3 x ml.m5.xlarge x {HOURS} h"
    assert (host.monthly_min, host.monthly_max) == pytest.approx((HOURS * M5_XLARGE_EAST, 3 * HOURS * M5_XLARGE_EAST))
    assert len(stage.items) == 1  # one line for the instances, not one per component


def test_a_component_host_that_reaches_zero_instances_is_busy_for_the_assumed_hours(tmp_path):
    busy = PRICES.assumptions["component_host_busy_hours_per_month_when_scaled_to_zero"]
    stage = estimate_of(tmp_path, component_host_template(
        managed={"MinInstanceCount": 0, "MaxInstanceCount": 2}, components={"a": 0, "b": 0}))
    host = item(stage, "/AllTraffic")
    assert host.quantity.startswith(f"0 (busy {busy:g} h on 1) to 2 x ml.m5.xlarge")
    assert host.monthly_min == pytest.approx(busy * M5_XLARGE_EAST)


def test_a_component_that_keeps_a_copy_keeps_one_instance_even_with_a_zero_floor(tmp_path):
    stage = estimate_of(tmp_path, component_host_template(
        managed={"MinInstanceCount": 0, "MaxInstanceCount": 2}, components={"a": 0, "b": 1}))
    assert item(stage, "/AllTraffic").monthly_min == pytest.approx(HOURS * M5_XLARGE_EAST)


def test_a_component_host_without_managed_scaling_costs_its_initial_instances(tmp_path):
    stage = estimate_of(tmp_path, component_host_template(managed=None, components={"a": None}, initial=2))
    host = item(stage, "/AllTraffic")
    assert (host.monthly_min, host.monthly_max) == pytest.approx((2 * HOURS * M5_XLARGE_EAST,) * 2)


def test_fails_on_a_component_host_instance_type_without_a_price(tmp_path):
    with pytest.raises(PricingError, match="no instance_hour price for ml.m5.24xlarge in us-east-1"):
        estimate_of(tmp_path, component_host_template(managed=None, components={"a": 1},
                                                      instance_type="ml.m5.24xlarge"))


def test_every_configured_instance_type_has_a_price_in_its_region():
    # Prod's GPU endpoint and Staging's component host must be priced before they are switched on.
    from config.environment_values import ENVIRONMENTS
    for env in load_environments(ENVIRONMENTS):
        for endpoint in env.serving.endpoints.values():
            types = [v.instance_type for v in endpoint.all_instance_variants]
            types += [endpoint.component_host.instance_type] if endpoint.component_host else []
            for instance_type in types:
                assert PRICES.price(env.region, "instance_hour", instance_type) > 0
