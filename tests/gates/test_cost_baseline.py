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
