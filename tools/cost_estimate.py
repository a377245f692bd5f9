"""A monthly cost estimate per environment, read from the synthesized templates, and its change against a
committed baseline, so a pull request shows what it costs ("+$X/month").

Usage: python -m tools.cost_estimate [cdk.out] [--baseline cost-baseline.json] [--write-baseline]
                                     [--prices tools/prices.json]

Priced (list prices and usage assumptions from tools/prices.json, printed with the result):
- instance variants (incl. shadow and async variants): instance-hours at the autoscaling minimum and maximum
  (no autoscaling: the initial count in both columns); an async variant that scales to zero is assumed busy
  for a stated number of hours at one instance;
- component hosts (endpoints whose variant names no model: inference components share its instances): the
  instances at managed instance scaling's minimum and maximum (without it, the initial count), one line shared by
  its components; a host that can reach zero instances (minimum 0 and every component's copy-count minimum 0) is
  assumed busy for a stated number of hours at one instance, and with a component that keeps a copy the floor is
  one instance;
- serverless variants: an assumed number of requests, duration and payload a month;
- batch transform: runs a month from each state machine's schedule (or an assumption) x assumed hours per run;
- S3 Standard storage per bucket (assumed GBs), KMS keys, CloudWatch alarm metrics and dashboards.
Not priced: data transfer, requests to S3/SNS/KMS, logs, ML storage volumes, the CI/CD pipeline.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from sagemaker_serving_cdk.rules.schedules import DAYS_PER_MONTH
from sagemaker_serving_cdk.rules.schedules import runs_per_month as _runs_per_month

DEFAULT_PRICES = Path(__file__).with_name("prices.json")


class PricingError(ValueError):
    """Something in a template has no price in the table: add it rather than guess."""


# ------------------------------------------------------------------------------------------------ templates


@dataclass(frozen=True)
class StackTemplate:
    stage: str
    stack: str
    account: str
    region: str
    template: dict

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.get("Resources", {})

    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == resource_type}

    def label(self, logical_id: str) -> str:
        """`RealtimeEndpoint7B098905` -> `RealtimeEndpoint`: the logical id without CDK's hash suffix. The same
        whichever way the app was synthesized (path metadata is on for the CLI only)."""
        return re.sub(r"[0-9A-F]{8}$", "", logical_id) or logical_id


def load_stacks(cloud_assembly: Path) -> list[StackTemplate]:
    """Every stack template of every environment's stage.

    Left out: top-level stacks (the pipeline, which is not priced) and the pipeline's own copies of the
    stages (`Pipeline/Dev`), which are the same templates as the stages and would count them twice.
    """
    if not (cloud_assembly / "manifest.json").exists():
        raise FileNotFoundError(f"no cloud assembly at {cloud_assembly}; run `make synth` first")
    stacks: list[StackTemplate] = []
    _walk(cloud_assembly, stacks)
    return [s for s in stacks if s.stage != "(top level)" and "/" not in s.stage]


def _walk(assembly_dir: Path, stacks: list[StackTemplate]) -> None:
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            _walk(assembly_dir / properties["directoryName"], stacks)
        elif artifact["type"] == "aws:cloudformation:stack":
            display = artifact.get("displayName", artifact_id)
            stage = display.rsplit("/", 1)[0] if "/" in display else "(top level)"
            account, _, region = artifact.get("environment", "aws://unknown/unknown").removeprefix("aws://").partition("/")
            template = json.loads((assembly_dir / properties["templateFile"]).read_text())
            stacks.append(StackTemplate(stage=stage, stack=display, account=account, region=region, template=template))


def flatten(value: Any) -> str:
    """A CloudFormation string value with intrinsics rendered as `${LogicalId}` / `${LogicalId.Attr}` markers."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (name, argument), = value.items()
        if name == "Fn::Join":
            separator, parts = argument
            return separator.join(flatten(p) for p in parts)
        if name == "Ref":
            return f"${{{argument}}}"
        if name == "Fn::GetAtt":
            return "${" + ".".join(argument if isinstance(argument, list) else argument.split(".")) + "}"
    return "${?}"


def referenced_id(value: Any) -> Optional[str]:
    """The logical id a Ref or GetAtt points at."""
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        argument = value["Fn::GetAtt"]
        return argument[0] if isinstance(argument, list) else argument.split(".")[0]
    return None


# ------------------------------------------------------------------------------------------------ schedules


def runs_per_month(expression: str) -> float:
    """How often an EventBridge (Scheduler) expression fires in an average month (cron: approximately)."""
    try:
        return _runs_per_month(expression)
    except ValueError as error:
        raise PricingError(str(error)) from None


# ------------------------------------------------------------------------------------------------ pricing


@dataclass(frozen=True)
class LineItem:
    key: str
    """Stable across synths (construct paths, not hashes): the baseline diff matches items by it."""
    item: str
    quantity: str
    monthly_min: float
    monthly_max: float


@dataclass
class Prices:
    table: dict

    @classmethod
    def load(cls, path: Path = DEFAULT_PRICES) -> "Prices":
        return cls(json.loads(path.read_text()))

    @property
    def assumptions(self) -> dict:
        return self.table["assumptions"]

    def region(self, region: str) -> dict:
        try:
            return self.table["regions"][region]
        except KeyError:
            raise PricingError(
                f"no prices for region {region!r} in tools/prices.json; add it (regions priced: "
                f"{', '.join(sorted(self.table['regions']))})"
            ) from None

    def price(self, region: str, name: str, instance_type: Optional[str] = None) -> float:
        prices = self.region(region)
        if name not in prices:
            raise PricingError(f"no {name!r} price for {region} in tools/prices.json; add it")
        if instance_type is None:
            return prices[name]
        if instance_type not in prices[name]:
            raise PricingError(
                f"no {name} price for {instance_type} in {region} in tools/prices.json; add it from the SageMaker "
                "pricing page (the estimate does not guess)"
            )
        return prices[name][instance_type]


def estimate_stack(stack: StackTemplate, prices: Prices) -> list[LineItem]:
    items = _endpoint_items(stack, prices) + _batch_items(stack, prices) + _storage_items(stack, prices)
    items += _fixed_items(stack, prices)
    short = stack.stack.split("/")[-1]
    return [LineItem(i.key, f"{short}: {i.item}", i.quantity, i.monthly_min, i.monthly_max) for i in items]


def _endpoint_items(stack: StackTemplate, prices: Prices) -> list[LineItem]:
    hours = prices.assumptions["hours_per_month"]
    scaling = _scalable_targets(stack)
    items = []
    for endpoint_id, endpoint in stack.of_type("AWS::SageMaker::Endpoint").items():
        config_id = referenced_id(endpoint["Properties"]["EndpointConfigName"])
        config = stack.resources[config_id]["Properties"]
        is_async = "AsyncInferenceConfig" in config
        name = stack.label(endpoint_id)
        variants = [(v, False) for v in config.get("ProductionVariants", [])]
        variants += [(v, True) for v in config.get("ShadowProductionVariants", [])]
        for variant, shadow in variants:
            variant_name = variant["VariantName"]
            key = f"{stack.stack}/{name}/{variant_name}"
            if "ServerlessConfig" in variant:
                items.append(_serverless_item(stack, prices, key, f"{name} {variant_name}", variant["ServerlessConfig"]))
                continue
            if "ModelName" not in variant:
                items.append(_component_host_item(stack, prices, key, f"{name} {variant_name}", variant,
                                                  _components_of(stack, endpoint_id, endpoint)))
                continue
            instance_type = variant["InstanceType"]
            price = prices.price(stack.region, "instance_hour", instance_type)
            low, high = scaling.get((endpoint_id, variant_name), (variant["InitialInstanceCount"],) * 2)
            kind = "async" if is_async else "shadow" if shadow else "real-time"
            if is_async and low == 0:
                busy = prices.assumptions["async_busy_hours_per_month_when_scaled_to_zero"]
                min_hours = busy
                quantity = f"0 (busy {busy:g} h on 1) to {high} x {instance_type} x {hours} h"
            else:
                min_hours = low * hours
                count = str(low) if low == high else f"{low}-{high}"
                quantity = f"{count} x {instance_type} x {hours} h"
            items.append(LineItem(
                key=key,
                item=f"{name} {variant_name} ({kind})",
                quantity=quantity,
                monthly_min=min_hours * price,
                monthly_max=high * hours * price,
            ))
    return items


def _component_host_item(stack: StackTemplate, prices: Prices, key: str, name: str, variant: dict,
                         components: dict[str, int]) -> LineItem:
    """The host's instances, shared by its components (name -> copy-count minimum)."""
    hours = prices.assumptions["hours_per_month"]
    instance_type = variant["InstanceType"]
    price = prices.price(stack.region, "instance_hour", instance_type)
    scaling = variant.get("ManagedInstanceScaling") or {}
    if scaling.get("Status", "ENABLED") == "ENABLED" and "MaxInstanceCount" in scaling:
        low, high = int(scaling.get("MinInstanceCount", 1)), int(scaling["MaxInstanceCount"])
    else:
        low = high = int(variant["InitialInstanceCount"])
    shared = f"component host: {', '.join(sorted(components)) or 'no components'}"
    if low == 0 and components and not any(components.values()):
        busy = prices.assumptions["component_host_busy_hours_per_month_when_scaled_to_zero"]
        return LineItem(key, f"{name} ({shared})", f"0 (busy {busy:g} h on 1) to {high} x {instance_type} x {hours} h",
                        busy * price, high * hours * price)
    low = max(low, 1)  # a component that keeps a copy keeps an instance
    count = str(low) if low == high else f"{low}-{high}"
    return LineItem(key, f"{name} ({shared})", f"{count} x {instance_type} x {hours} h", low * hours * price,
                    high * hours * price)


def _components_of(stack: StackTemplate, endpoint_id: str, endpoint: dict) -> dict[str, int]:
    """The inference components an endpoint hosts (by InferenceComponentName, else label) and the copies each keeps
    at least: its copy-count scalable target's minimum, else its CopyCount."""
    fixed_name = endpoint["Properties"].get("EndpointName")
    minimums = {flatten(t["Properties"]["ResourceId"]).removeprefix("inference-component/"): int(t["Properties"]["MinCapacity"])
                for t in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget").values()
                if t["Properties"].get("ScalableDimension") == "sagemaker:inference-component:DesiredCopyCount"}
    found = {}
    for component_id, component in stack.of_type("AWS::SageMaker::InferenceComponent").items():
        properties = component["Properties"]
        host = properties.get("EndpointName")
        if referenced_id(host) != endpoint_id and not (isinstance(host, str) and host == fixed_name):
            continue
        name = properties.get("InferenceComponentName")
        label = name if isinstance(name, str) else stack.label(component_id)
        # A target names the component by its fixed name, or by a reference to the component resource.
        copies = next((low for target, low in minimums.items()
                       if target in (name, f"${{{component_id}}}") or target.startswith(f"${{{component_id}.")), None)
        found[label] = copies if copies is not None else int(properties.get("RuntimeConfig", {}).get("CopyCount", 1))
    return found


def _scalable_targets(stack: StackTemplate) -> dict[tuple[str, str], tuple[int, int]]:
    """(endpoint logical id, variant name) -> (min, max) from the Application Auto Scaling targets, which name
    the endpoint by its fixed EndpointName (or, without one, by a reference to the endpoint)."""
    by_name = {e["Properties"]["EndpointName"]: logical_id
               for logical_id, e in stack.of_type("AWS::SageMaker::Endpoint").items()
               if isinstance(e["Properties"].get("EndpointName"), str)}
    found = {}
    for target in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget").values():
        properties = target["Properties"]
        if properties.get("ServiceNamespace") != "sagemaker":
            continue
        resource_id = flatten(properties["ResourceId"])
        match = re.fullmatch(r"endpoint/\$\{([^.}]+)\.EndpointName\}/variant/(.+)", resource_id)
        named = re.fullmatch(r"endpoint/([^/]+)/variant/(.+)", resource_id)
        endpoint = match.group(1) if match else by_name.get(named.group(1)) if named else None
        if endpoint:
            found[(endpoint, (match or named).group(2))] = (int(properties["MinCapacity"]), int(properties["MaxCapacity"]))
    return found


def _serverless_item(stack: StackTemplate, prices: Prices, key: str, name: str, serverless: dict) -> LineItem:
    a = prices.assumptions
    if serverless.get("ProvisionedConcurrency"):
        prices.price(stack.region, "serverless_provisioned_gb_second")  # raises until the table has it
    memory_gb = serverless["MemorySizeInMB"] / 1024
    requests = a["serverless_requests_per_month"]
    gb_seconds = requests * a["serverless_mean_duration_ms"] / 1000 * memory_gb
    data_gb = requests * a["serverless_payload_kb_in_and_out"] / (1024 * 1024)
    cost = gb_seconds * prices.price(stack.region, "serverless_gb_second") + data_gb * prices.price(
        stack.region, "serverless_data_gb")
    return LineItem(
        key=key,
        item=f"{name} (serverless {serverless['MemorySizeInMB']} MB)",
        quantity=f"{requests:,} req x {a['serverless_mean_duration_ms']} ms = {gb_seconds:,.0f} GB-s",
        monthly_min=cost,
        monthly_max=cost,
    )


def _batch_items(stack: StackTemplate, prices: Prices) -> list[LineItem]:
    a = prices.assumptions
    schedules = _schedules_by_target(stack)
    items = []
    for machine_id, machine in stack.of_type("AWS::StepFunctions::StateMachine").items():
        transforms = _transform_resources(machine["Properties"])
        if not transforms:
            continue
        expressions = schedules.get(machine_id, [])
        runs = sum(runs_per_month(e) for e in expressions) if expressions else a["batch_runs_per_month_without_schedule"]
        run_text = ", ".join(expressions) if expressions else "no enabled schedule: assumed"
        name = stack.label(machine_id)
        for index, (instance_type, count) in enumerate(transforms):
            price = prices.price(stack.region, "batch_transform_instance_hour", instance_type)
            cost = runs * a["batch_hours_per_run"] * count * price
            items.append(LineItem(
                key=f"{stack.stack}/{name}/transform{index}",
                item=f"{name} batch transform",
                quantity=f"{runs:.1f} runs ({run_text}) x {a['batch_hours_per_run']:g} h x {count} x {instance_type}",
                monthly_min=cost,
                monthly_max=cost,
            ))
    return items


def _schedules_by_target(stack: StackTemplate) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for schedule in stack.of_type("AWS::Scheduler::Schedule").values():
        properties = schedule["Properties"]
        if properties.get("State", "ENABLED") != "ENABLED":
            continue
        target = referenced_id(properties.get("Target", {}).get("Arn"))
        if target:
            found[target].append(properties["ScheduleExpression"])
    for rule in stack.of_type("AWS::Events::Rule").values():
        properties = rule["Properties"]
        if "ScheduleExpression" not in properties or properties.get("State", "ENABLED") != "ENABLED":
            continue
        for target in properties.get("Targets", []):
            target_id = referenced_id(target.get("Arn"))
            if target_id:
                found[target_id].append(properties["ScheduleExpression"])
    return found


def _transform_resources(properties: dict) -> list[tuple[str, int]]:
    """(instance type, count) of every CreateTransformJob in a state machine definition."""
    definition = properties.get("Definition")
    if definition is None:
        text = flatten(properties.get("DefinitionString", ""))
        try:
            definition = json.loads(text)
        except json.JSONDecodeError:
            raise PricingError("a state machine definition is not JSON once its references are filled in") from None
    found = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            resources = node.get("TransformResources")
            if isinstance(resources, dict):
                instance_type = resources.get("InstanceType")
                if not isinstance(instance_type, str) or not instance_type.startswith("ml."):
                    raise PricingError(
                        f"a transform's instance type is decided at run time ({resources}); the estimate needs it "
                        "in the definition"
                    )
                found.append((instance_type, int(resources.get("InstanceCount", 1))))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(definition)
    return found


def _storage_items(stack: StackTemplate, prices: Prices) -> list[LineItem]:
    a = prices.assumptions
    sizes = []
    for bucket_id in stack.of_type("AWS::S3::Bucket"):
        label = stack.label(bucket_id)
        role = next((name for name in a["s3_gb_by_bucket"] if label.endswith(name)), None)
        sizes.append((role or label, a["s3_gb_by_bucket"].get(role, a["s3_gb_other_bucket"])))
    if not sizes:
        return []
    total_gb = sum(gb for _, gb in sizes)
    cost = total_gb * prices.price(stack.region, "s3_standard_gb_month")
    quantity = ", ".join(f"{name} {gb:g} GB" for name, gb in sizes)
    return [LineItem(key=f"{stack.stack}/s3", item="S3 Standard storage (assumed sizes)", quantity=quantity,
                     monthly_min=cost, monthly_max=cost)]


def _fixed_items(stack: StackTemplate, prices: Prices) -> list[LineItem]:
    items = []
    keys = len(stack.of_type("AWS::KMS::Key"))
    if keys:
        cost = keys * prices.price(stack.region, "kms_key_month")
        items.append(LineItem(f"{stack.stack}/kms", "KMS keys", f"{keys}", cost, cost))
    alarms = stack.of_type("AWS::CloudWatch::Alarm").values()
    if alarms:
        metrics = sum(
            1 if "MetricName" in a["Properties"] else sum(1 for m in a["Properties"].get("Metrics", []) if "MetricStat" in m)
            for a in alarms
        )
        cost = metrics * prices.price(stack.region, "alarm_metric_month")
        items.append(LineItem(f"{stack.stack}/alarms", "CloudWatch alarms", f"{len(alarms)} alarms, {metrics} metrics",
                              cost, cost))
    dashboards = len(stack.of_type("AWS::CloudWatch::Dashboard"))
    if dashboards:
        cost = dashboards * prices.price(stack.region, "dashboard_month")
        items.append(LineItem(f"{stack.stack}/dashboards", "CloudWatch dashboards", f"{dashboards}", cost, cost))
    return items


# ------------------------------------------------------------------------------------------------ estimate


@dataclass
class StageEstimate:
    stage: str
    account: str
    regions: list[str]
    items: list[LineItem] = field(default_factory=list)

    @property
    def monthly_min(self) -> float:
        return sum(i.monthly_min for i in self.items)

    @property
    def monthly_max(self) -> float:
        return sum(i.monthly_max for i in self.items)


def estimate(stacks: Iterable[StackTemplate], prices: Prices) -> dict[str, StageEstimate]:
    stages: dict[str, StageEstimate] = {}
    for stack in stacks:
        stage = stages.setdefault(stack.stage, StageEstimate(stack.stage, stack.account, []))
        if stack.region not in stage.regions:
            stage.regions.append(stack.region)
        stage.items.extend(estimate_stack(stack, prices))
    return stages


def to_baseline(stages: dict[str, StageEstimate], prices: Prices) -> dict:
    return {
        "about": "Written by `make cost-baseline` (python -m tools.cost_estimate cdk.out --write-baseline). "
                 "`make cost` prints the change against it.",
        "prices_recorded": prices.table.get("recorded"),
        "stages": {
            name: {
                "monthly_min": _cents(stage.monthly_min),
                "monthly_max": _cents(stage.monthly_max),
                "items": {i.key: [_cents(i.monthly_min), _cents(i.monthly_max)] for i in stage.items},
            }
            for name, stage in stages.items()
        },
    }


def dump_baseline(baseline: dict) -> str:
    """Indented JSON with each item's [min, max] on one line, so a pull request diff shows one line per item."""
    text = json.dumps(baseline, indent=2)
    return re.sub(r"\[\s+(-?[\d.]+),\s+(-?[\d.]+)\s+\]", r"[\1, \2]", text) + "\n"


@dataclass(frozen=True)
class Delta:
    stage: str
    monthly_min: float
    monthly_max: float
    items: tuple[tuple[str, float, float], ...]
    """(key, change at min, change at max) of each item that changed, appeared or disappeared."""


def deltas(stages: dict[str, StageEstimate], baseline: dict) -> list[Delta]:
    result = []
    before_stages = baseline.get("stages", {})
    for name in list(stages) + [n for n in before_stages if n not in stages]:
        before = before_stages.get(name, {"monthly_min": 0, "monthly_max": 0, "items": {}})
        now = {i.key: (_cents(i.monthly_min), _cents(i.monthly_max)) for i in stages[name].items} if name in stages else {}
        changed = []
        for key in list(now) + [k for k in before["items"] if k not in now]:
            low, high = now.get(key, (0.0, 0.0))
            old_low, old_high = before["items"].get(key, (0.0, 0.0))
            if (low, high) != (old_low, old_high):
                changed.append((key, _cents(low - old_low), _cents(high - old_high)))
        current_min = _cents(stages[name].monthly_min) if name in stages else 0.0
        current_max = _cents(stages[name].monthly_max) if name in stages else 0.0
        result.append(Delta(name, _cents(current_min - before["monthly_min"]), _cents(current_max - before["monthly_max"]),
                            tuple(changed)))
    return result


# ------------------------------------------------------------------------------------------------ output


def money(value: float, *, signed: bool = False) -> str:
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    return f"{sign}${abs(value):,.2f}"


def render(stages: dict[str, StageEstimate], prices: Prices, changes: Optional[list[Delta]] = None) -> str:
    a = prices.assumptions
    lines = [
        f"Monthly cost estimate (USD, on-demand list prices recorded {prices.table.get('recorded')} in tools/prices.json)",
        f"Assumptions: {a['hours_per_month']} h/month; serverless {a['serverless_requests_per_month']:,} requests x "
        f"{a['serverless_mean_duration_ms']} ms, {a['serverless_payload_kb_in_and_out']} KB in+out each; async variants "
        f"that scale to zero busy {a['async_busy_hours_per_month_when_scaled_to_zero']} h on 1 instance, component hosts "
        f"that reach zero instances {a['component_host_busy_hours_per_month_when_scaled_to_zero']} h; batch "
        f"{a['batch_hours_per_run']:g} h per run ({a['batch_runs_per_month_without_schedule']} runs a month without an enabled schedule); "
        f"S3 GB per bucket {a['s3_gb_by_bucket']}. 'at min'/'at max': autoscaling minimum/maximum all month.",
        "",
    ]
    by_stage = {d.stage: d for d in changes or []}
    for name, stage in stages.items():
        lines.append(f"{name} (account {stage.account}; {', '.join(stage.regions)})")
        rows = [("item", "quantity", "at min", "at max")]
        rows += [(i.item, i.quantity, money(i.monthly_min), money(i.monthly_max)) for i in stage.items]
        rows.append(("total", "", money(stage.monthly_min), money(stage.monthly_max)))
        change = by_stage.get(name)
        if change is not None:
            rows.append(("vs baseline", "", money(change.monthly_min, signed=True) + "/month",
                         money(change.monthly_max, signed=True) + "/month"))
        lines.extend(_table(rows))
        if change is not None:
            lines.extend(f"    {money(low, signed=True)} / {money(high, signed=True)}  {key}"
                         for key, low, high in change.items)
        lines.append("")
    for change in changes or []:
        if change.stage not in stages:
            lines.append(f"{change.stage}: removed ({money(change.monthly_min, signed=True)}/month at min)")
    if changes is not None:
        total_min = sum(d.monthly_min for d in changes)
        total_max = sum(d.monthly_max for d in changes)
        lines.append(f"Change against the baseline: {money(total_min, signed=True)}/month at min, "
                     f"{money(total_max, signed=True)}/month at max")
    return "\n".join(lines).rstrip() + "\n"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3])]
        out.append("  " + "  ".join(cells).rstrip())
        if index == 0 or index == len(rows) - (3 if rows[-1][0] == "vs baseline" else 2):
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def _cents(value: float) -> float:
    return math.floor(value * 100 + 0.5) / 100


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cloud_assembly", nargs="?", default="cdk.out", type=Path)
    parser.add_argument("--baseline", type=Path, help="compare with this baseline (e.g. cost-baseline.json)")
    parser.add_argument("--write-baseline", action="store_true", help="write the estimate to --baseline")
    parser.add_argument("--prices", type=Path, default=DEFAULT_PRICES)
    args = parser.parse_args(argv)
    try:
        prices = Prices.load(args.prices)
        stages = estimate(load_stacks(args.cloud_assembly), prices)
    except (PricingError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.write_baseline:
        if args.baseline is None:
            parser.error("--write-baseline needs --baseline PATH")
        args.baseline.write_text(dump_baseline(to_baseline(stages, prices)))
        print(render(stages, prices), end="")
        print(f"wrote {args.baseline}")
        return 0
    changes = None
    if args.baseline is not None:
        if not args.baseline.exists():
            print(f"error: no baseline at {args.baseline}; create it with `make cost-baseline`", file=sys.stderr)
            return 1
        changes = deltas(stages, json.loads(args.baseline.read_text()))
    print(render(stages, prices, changes), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
