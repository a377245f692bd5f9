"""Every config validation rule, each shown failing with a message that names environment, field and value."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ENVIRONMENTS, ConfigError, load_environments

from config.regions import PRICED_REGIONS, aws_regions

ROOT = Path(__file__).resolve().parents[2]
UNPRICED = next(region for region in aws_regions() if region not in PRICED_REGIONS)


def mutated(name: str, path: str, value) -> list[dict]:
    """The real environments with one field of one environment replaced (`data.x` reaches into sections)."""
    environments = copy.deepcopy(list(ENVIRONMENTS))
    target = next(env for env in environments if env["name"] == name)
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    if value is _DELETE:
        target.pop(leaf, None)
    else:
        target[leaf] = value
    return environments


_DELETE = object()


def problems_for(environments, overrides=None) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_environments(environments, overrides)
    return raised.value.problems


def test_committed_environments_are_valid_in_config_order():
    assert [env.name for env in load_environments(ENVIRONMENTS)] == [raw["name"] for raw in ENVIRONMENTS]


@pytest.mark.parametrize("env", load_environments(ENVIRONMENTS), ids=lambda env: env.name)
def test_stage_ids_and_tags_come_from_the_config(env):
    assert env.stage_id == env.name.capitalize()
    assert env.tags == {"project": env.project, "environment": env.name, "owner": env.owner,
                        "cost-center": env.cost_center, **env.extra_tags}


def test_accepts_every_priced_region():
    for region in PRICED_REGIONS:
        assert load_environments(mutated("staging", "region", region))[1].region == region


@pytest.mark.parametrize(
    "environment, path, value, expected",
    [
        ("dev", "account", "12345", "dev: account = '12345': String should match pattern"),
        ("dev", "account", "abcdefghijkl", "dev: account = 'abcdefghijkl'"),
        ("staging", "region", "mars-north-1", "staging: region = 'mars-north-1': not an AWS region; and "
         "environments may only use regions with prices in tools/prices.json"),
        ("staging", "region", UNPRICED, f"staging: region = '{UNPRICED}': an AWS region, but environments "
         f"may only use regions with prices in tools/prices.json ({', '.join(PRICED_REGIONS)}) so that `make cost` "
         "can estimate them; add the region's prices there first"),
        ("prod", "name_prefix", "", "prod: name_prefix = '': String should match pattern"),
        ("prod", "name_prefix", "Has_Upper", "prod: name_prefix = 'Has_Upper'"),
        ("dev", "name", "Dev Env", "Dev Env: name = 'Dev Env': String should match pattern"),
        ("dev", "owner", "  ", "dev: owner = '  ': String should have at least 1 character"),
        ("dev", "cost_center", _DELETE, "dev: cost_center = "),
        ("dev", "retain_data", "sometimes", "dev: retain_data = 'sometimes': Input should be a valid boolean"),
        ("dev", "data.output_expiration_days", 0, "dev: data.output_expiration_days = 0: Input should be greater than or equal to 1"),
        ("dev", "data.noncurrent_version_expiration_days", -5, "dev: data.noncurrent_version_expiration_days = -5"),
        ("dev", "data.abort_incomplete_upload_days", 0, "dev: data.abort_incomplete_upload_days = 0"),
        ("dev", "data.access_log_expiration_days", 99999, "less than or equal to 3650"),
        ("staging", "data.output_transition_to_ia_days", 10, "staging: data.output_transition_to_ia_days = 10: Input should be greater than or equal to 30"),
        ("dev", "data.unknown_setting", 3, "dev: data.unknown_setting = 3: Extra inputs are not permitted"),
        ("dev", "extra_tags", {"team": ""}, "dev: extra_tags.team"),
    ],
)
def test_fails_on_bad_field(environment, path, value, expected):
    problems = problems_for(mutated(environment, path, value))
    assert any(expected in problem for problem in problems), problems


def test_fails_when_output_moves_to_ia_after_it_expires():
    environments = mutated("staging", "data.output_transition_to_ia_days", 120)
    problems = problems_for(environments)
    assert any("output_transition_to_ia_days (120) must be less than output_expiration_days (90)" in p for p in problems)


@pytest.mark.parametrize("field", ["retain_data", "termination_protection"])
@pytest.mark.parametrize("name", [raw["name"] for raw in ENVIRONMENTS])
def test_fails_when_a_production_environment_would_lose_its_data(field, name):
    # The rule follows the stated `production` flag, not the name: set it on any environment and it applies.
    environments = mutated(name, "production", True)
    next(raw for raw in environments if raw["name"] == name).update(
        {"retain_data": True, "termination_protection": True, field: False})
    problems = problems_for(environments)
    assert any(p.startswith(f"{name}: (whole environment)") and "a production environment" in p
               and f"{field}=False" in p for p in problems), problems
    next(raw for raw in environments if raw["name"] == name)["production"] = False
    assert [env.name for env in load_environments(environments)] == [raw["name"] for raw in ENVIRONMENTS]


def test_fails_on_duplicate_name_prefix():
    problems = problems_for(mutated("staging", "name_prefix", "mlinf-dev"))
    assert "staging: name_prefix = 'mlinf-dev': already used by dev; must be unique" in problems


def test_fails_on_override_for_unknown_environment():
    problems = problems_for(ENVIRONMENTS, {"nosuch": {"account": "123456789012"}})
    assert problems == ["override for unknown environment 'nosuch'"]


def test_fails_on_bad_account_override():
    problems = problems_for(ENVIRONMENTS, {"dev": {"account": "not-an-account"}})
    assert problems[0].startswith("dev: account = 'not-an-account'")


def test_collects_every_problem_of_every_environment_in_one_error():
    environments = mutated("dev", "account", "1")
    environments = [e if e["name"] != "prod" else {**e, "region": "nowhere"} for e in environments]
    problems = problems_for(environments)
    assert [p.split(":")[0] for p in problems] == ["dev", "prod"]
    assert str(ConfigError(problems)).startswith("2 configuration problem(s):")


def test_app_exits_with_a_readable_message_on_a_bad_override():
    """A user mistake ends synth with our message and no jsii stack trace."""
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DEV_ACCOUNT_ID": "12"},
    )
    assert result.returncode != 0
    assert "dev: account = '12': String should match pattern" in result.stderr
    assert "Traceback" not in result.stderr
