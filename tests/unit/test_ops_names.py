"""`tools.ops` takes names from config with --stage (any case) as well as physical names."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, load_environments
from tools.ops import names
from tools.ops.__main__ import build_parser
from tools.ops.aws import OpsError

CONFIGS = load_environments(ENVIRONMENTS)
ENDPOINTS = [(c, e) for c in CONFIGS for e in c.serving.endpoints]
TRANSFORMS = [(c, t) for c in CONFIGS for t in c.batch.transforms]


def parse(*argv: str):
    args = build_parser().parse_args(list(argv))
    return args, names.resolve(args)


@pytest.mark.parametrize("config, endpoint", ENDPOINTS, ids=[f"{c.name}-{e}" for c, e in ENDPOINTS])
def test_every_command_takes_the_config_name_with_the_stage_in_any_case(config, endpoint):
    physical = f"{config.name_prefix}-{endpoint}"
    for stage in (config.name, config.stage_id, config.name.upper()):
        assert parse("status", endpoint, "--stage", stage)[0].endpoints == [physical]
        assert parse("--stage", stage, "invoke", endpoint)[0].endpoint == physical
        assert parse("traffic", "show", endpoint, "--stage", stage)[0].endpoint == physical
        assert parse("metrics", endpoint, "--stage", stage)[0].endpoint == physical
    assert parse("traffic", "show", physical, "--stage", config.name)[0].endpoint == physical
    assert parse("traffic", "show", physical)[0].endpoint == physical  # without --stage: physical names as given


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_status_of_a_stage_lists_its_endpoints_in_its_region(config):
    args, resolved = parse("status", "--stage", config.stage_id)
    assert args.endpoints == [f"{config.name_prefix}-{e}" for e in config.serving.endpoints]
    assert resolved.region == config.region


@pytest.mark.parametrize("config, transform", TRANSFORMS, ids=[f"{c.name}-{t}" for c, t in TRANSFORMS])
def test_batch_run_takes_the_transform_name_with_the_stage(config, transform):
    args, _ = parse("batch", "run", "--state-machine", transform, "--stage", config.name)
    assert args.state_machine == f"{config.name_prefix}-batch-{transform}"


def test_fails_on_an_unknown_stage_or_name_listing_what_exists():
    config = CONFIGS[0]
    with pytest.raises(OpsError, match=r"--stage 'nowhere' is not a configured environment; environments: "):
        parse("status", "--stage", "nowhere")
    with pytest.raises(OpsError, match=rf"{config.name}: no endpoint 'nope' in serving.endpoints; endpoints: "):
        parse("invoke", "nope", "--stage", config.name)
    with pytest.raises(OpsError, match=rf"{config.name}: no batch transform 'nope' in batch.transforms"):
        parse("batch", "run", "--state-machine", "nope", "--stage", config.name)
