#!/usr/bin/env python3
"""The CDK app: one Stage per environment. The only place that reads environment variables."""

import os
import sys

from config import ENVIRONMENTS, ConfigError, load_environments
from stacks.application import build_app


def account_overrides() -> dict[str, dict[str, str]]:
    """DEV_ACCOUNT_ID=123456789012 deploys Dev to that account without editing config (e.g. the emulator)."""
    overrides = {}
    for raw in ENVIRONMENTS:
        value = os.environ.get(f"{raw['name'].upper()}_ACCOUNT_ID")
        if value:
            overrides[raw["name"]] = {"account": value}
    return overrides


def main() -> None:
    try:
        environments = load_environments(ENVIRONMENTS, account_overrides())
    except ConfigError as error:
        sys.exit(f"error: {error}")
    try:
        app, _ = build_app(environments)
    except FileNotFoundError as error:  # e.g. Dev's demo model asset was never built
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
