"""Config names to physical names: `realtime --stage dev` is the endpoint `mlinf-dev-realtime`.

With --stage, every command takes the name an environment's config gives an endpoint (`serving.endpoints`) or a
batch transform (`batch.transforms`), as well as the physical name; without it, physical names only.
"""

from __future__ import annotations

import argparse
from typing import Optional

from config import EnvironmentConfig
from sagemaker_serving_cdk.rules.batch_naming import state_machine_name
from sagemaker_serving_cdk.rules.naming import endpoint_name
from tools.ops.aws import OpsError
from tools.ops.stage import find_stage


def stage_config(stage: str) -> EnvironmentConfig:
    """The environment `stage` names, case-insensitively: `dev`, `Dev` and `DEV` are the same stage."""
    return find_stage(stage)


def endpoint(name: str, config: Optional[EnvironmentConfig]) -> str:
    if config is None:
        return name
    physical = {endpoint_name(config.name_prefix, e): e for e in config.serving.endpoints}
    if name in config.serving.endpoints:
        return endpoint_name(config.name_prefix, name)
    if name in physical:
        return name
    raise OpsError(f"{config.name}: no endpoint {name!r} in serving.endpoints; endpoints: "
                   f"{', '.join(sorted(config.serving.endpoints)) or 'none'} (physical names "
                   f"{', '.join(sorted(physical)) or 'none'})")


def component(name: str, endpoint_name_: str, config: Optional[EnvironmentConfig]) -> str:
    """A component of the endpoint by its config key (`candidate`) or physical name (config.serving's
    inference_component_name: `<name_prefix>-<endpoint>-<component>`)."""
    if config is None:
        return name
    key = next((e for e in config.serving.endpoints if endpoint_name(config.name_prefix, e) == endpoint_name_), None)
    components = config.serving.endpoints[key].components if key else {}
    if name in components:
        return config.inference_component_name(key, name)
    physical = {config.inference_component_name(key, c) for c in components}
    if name in physical:
        return name
    raise OpsError(f"{config.name}: no component {name!r} in serving.endpoints.{key or endpoint_name_}.components; "
                   f"components: {', '.join(sorted(components)) or 'none'}")


def state_machine(name: str, config: Optional[EnvironmentConfig]) -> str:
    if config is None or name.startswith("arn:"):
        return name
    physical = {state_machine_name(config.name_prefix, t) for t in config.batch.transforms}
    if name in config.batch.transforms:
        return state_machine_name(config.name_prefix, name)
    if name in physical:
        return name
    raise OpsError(f"{config.name}: no batch transform {name!r} in batch.transforms; transforms: "
                   f"{', '.join(sorted(config.batch.transforms)) or 'none'}")


def resolve(args: argparse.Namespace) -> Optional[EnvironmentConfig]:
    """Replace config names in `args` by physical names (for --stage); returns the stage's config, if any."""
    config = stage_config(args.stage) if getattr(args, "stage", None) else None
    if getattr(args, "endpoint", None) is not None:
        args.endpoint = endpoint(args.endpoint, config)
    if getattr(args, "component", None) is not None:
        args.component = component(args.component, args.endpoint, config)
    if getattr(args, "endpoints", None) is not None:
        # `status --stage dev` with no names: the stage's endpoints.
        names = args.endpoints or (list(config.serving.endpoints) if config else [])
        args.endpoints = [endpoint(n, config) for n in names]
    if getattr(args, "state_machine", None) is not None:
        args.state_machine = state_machine(args.state_machine, config)
    return config
