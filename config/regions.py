"""The regions an environment may name: AWS commercial regions that `make cost` has prices for.

A typo would otherwise surface only at deploy time, and an environment in a region without prices would
synthesize but break `make cost`, which refuses to guess. So the priced regions in tools/prices.json are
the one list of regions an environment may use; to deploy to another region, add its prices there first.
"""

import json

from paths import PROJECT_ROOT


def aws_regions() -> tuple[str, ...]:
    """AWS's commercial regions that offer SageMaker, from botocore's endpoint data (imported only when asked:
    synth checks priced regions first, and every priced region is one of these)."""
    import botocore.session

    return tuple(sorted(botocore.session.get_session().get_available_regions("sagemaker")))


PRICES_FILE = PROJECT_ROOT / "tools" / "prices.json"
PRICED_REGIONS = tuple(sorted(json.loads(PRICES_FILE.read_text(encoding="utf-8"))["regions"]))


def priced_region(value: str) -> str:
    """An environment's region: an AWS region with prices in tools/prices.json."""
    if value not in PRICED_REGIONS:
        known = "an AWS region, but" if value in aws_regions() else "not an AWS region; and"
        raise ValueError(
            f"{known} environments may only use regions with prices in tools/prices.json "
            f"({', '.join(PRICED_REGIONS)}) so that `make cost` can estimate them; add the region's prices there first"
        )
    return value


def aws_region(value: str) -> str:
    """A pipeline's region: any AWS region SageMaker is in (the pipeline itself is not priced)."""
    if value not in PRICED_REGIONS and value not in aws_regions():
        raise ValueError(f"not an AWS region with SageMaker (botocore's endpoint data): {', '.join(aws_regions())}")
    return value
