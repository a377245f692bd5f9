"""Cost gate: the committed cost-baseline.json is the estimate of the committed config, as snapshots are its
templates. A change that moves the monthly cost fails here until `make cost-baseline` records the new figure,
so the pull request shows the cost change next to the config change that caused it."""
from __future__ import annotations

import copy
import json

from paths import PROJECT_ROOT
from tools.cost_estimate import Prices, deltas, estimate, load_stacks, to_baseline

BASELINE = PROJECT_ROOT / "cost-baseline.json"


def moved(current: dict, committed: dict) -> list[str]:
    """Stages whose estimate differs from the baseline, with the items that moved."""
    return [f"{d.stage}: {d.items}" for d in deltas(current, committed) if d.monthly_min or d.monthly_max or d.items]


def test_committed_cost_baseline_is_the_current_estimate(synthesized):
    prices = Prices.load()
    current = estimate(load_stacks(synthesized.outdir), prices)
    committed = json.loads(BASELINE.read_text())
    assert moved(current, committed) == [], "the monthly estimate moved: review `make cost`, then `make cost-baseline`"
    assert sorted(committed["stages"]) == sorted(current), "run `make cost-baseline`"
    assert committed == to_baseline(current, prices), "run `make cost-baseline`"


def test_cost_gate_fails_when_an_item_moves(synthesized):
    prices = Prices.load()
    current = estimate(load_stacks(synthesized.outdir), prices)
    committed = copy.deepcopy(to_baseline(current, prices))
    stage = next(iter(committed["stages"].values()))
    key = next(iter(stage["items"]))
    stage["items"][key] = [value + 1 for value in stage["items"][key]]
    assert moved(current, committed) != []


def sagemaker_range(stage: dict) -> tuple[float, float]:
    """The SageMaker part of a stage's estimate: its endpoints and transform jobs (not alarms, dashboards, S3, KMS)."""
    items = [v for k, v in stage["items"].items()
             if k.split("/")[1] in ("Serving", "Batch") and k.split("/")[2] not in ("alarms", "dashboards")]
    return sum(low for low, _ in items), sum(high for _, high in items)


def guard_problems(environments, committed: dict) -> list[str]:
    """A billing guard that fires in a normal month teaches people to ignore it: each warning must be above the
    estimate's floor, each critical level above its ceiling."""
    problems = []
    for env in environments:
        stage = committed["stages"][env.stage_id]
        billing = env.monitoring.billing
        for name, (low, high) in (("total_usd", (stage["monthly_min"], stage["monthly_max"])),
                                  ("sagemaker_usd", sagemaker_range(stage))):
            levels = getattr(billing, name)
            if levels.warning is not None and levels.warning <= low:
                problems.append(f"{env.name}: monitoring.billing.{name}.warning = {levels.warning}: at or below the "
                                f"estimated monthly floor ${low:.0f}; allowed: above it (`make cost`)")
            if levels.critical is not None and levels.critical <= high:
                problems.append(f"{env.name}: monitoring.billing.{name}.critical = {levels.critical}: at or below the "
                                f"estimated monthly ceiling ${high:.0f}; allowed: above it (`make cost`)")
    return problems


def test_billing_guards_do_not_fire_in_a_normal_month(environments):
    assert guard_problems(environments.values(), json.loads(BASELINE.read_text())) == []


def test_fails_when_a_billing_guard_sits_inside_the_estimate(environments):
    committed = json.loads(BASELINE.read_text())
    env = next(iter(environments.values()))
    floor = committed["stages"][env.stage_id]["monthly_min"]
    billing = env.monitoring.billing.model_copy(update={"total_usd": env.monitoring.billing.total_usd.model_copy(
        update={"warning": floor - 1})})
    cheap = env.model_copy(update={"monitoring": env.monitoring.model_copy(update={"billing": billing})})
    assert any("total_usd.warning" in p for p in guard_problems([cheap], committed))
