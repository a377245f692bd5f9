"""The regions an environment may name: AWS commercial regions that `make cost` has prices for.

A typo would otherwise surface only at deploy time, and an environment in a region without prices would
synthesize but break `make cost`, which refuses to guess. So the priced regions in tools/prices.json are
the one list of regions an environment may use; to deploy to another region, add its prices there first.
"""

import json

from paths import PROJECT_ROOT

AWS_REGIONS = (
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
    "me-central-1", "me-south-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)

PRICES_FILE = PROJECT_ROOT / "tools" / "prices.json"
PRICED_REGIONS = tuple(sorted(json.loads(PRICES_FILE.read_text(encoding="utf-8"))["regions"]))


def priced_region(value: str) -> str:
    """An environment's region: an AWS region with prices in tools/prices.json."""
    if value not in PRICED_REGIONS:
        known = "an AWS region, but" if value in AWS_REGIONS else "not an AWS region; and"
        raise ValueError(
            f"{known} environments may only use regions with prices in tools/prices.json "
            f"({', '.join(PRICED_REGIONS)}) so that `make cost` can estimate them; add the region's prices there first"
        )
    return value
