"""Writes tools/prices.json from AWS Price List bulk offer files, so no price is typed by hand.

A maintainer downloads the offers (public, no credentials; the build runs offline and never fetches them):

    for offer in AmazonSageMaker AmazonS3 awskms AmazonCloudWatch; do for region in us-east-1 us-west-2; do
      curl -fsSo offers/$offer/$region/index.json --create-dirs \\
        https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/$offer/current/$region/index.json; done; done
    python -m tools.generate_prices offers

Offer file schema (AWS Billing docs, "Reading the service price list file"): `offerCode`, `version`,
`publicationDate`, `products` {sku: {productFamily, attributes}}, `terms.OnDemand` {sku: {offerTermCode:
{priceDimensions: {rateCode: {unit, beginRange, pricePerUnit: {USD}}}}}}. Each price below is picked by a
selector on a product's attributes; a selector that matches no product, or several with different prices, is
an error naming it: the script never guesses. The attribute values in SELECTORS are what to confirm on the
first run against real offers (the tests only prove the parser on a fixture written in the documented schema).
`--carry-over KEY` keeps the current value of a key no offer prices in the same unit, and says so in the output.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PRICES = Path(__file__).with_name("prices.json")
OFFER_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{offer}/current/{region}/index.json"
Attributes = Mapping[str, str]


def _usage(usage: str) -> Callable[[Attributes], bool]:
    """A usage type with or without its region prefix (us-east-1's usage types often carry none)."""
    return lambda a: a.get("usagetype", "") == usage or a.get("usagetype", "").endswith(f"-{usage}")


# price key -> (offer, selector). Instance prices are per instance type: "{type}" is filled in.
SELECTORS: dict[str, tuple[str, Callable[..., bool]]] = {
    "instance_hour": ("AmazonSageMaker", lambda a, t: a.get("instanceName") == t and _usage(f"Host:{t}")(a)),
    "batch_transform_instance_hour": ("AmazonSageMaker",
                                      lambda a, t: a.get("instanceName") == t and _usage(f"Tsform:{t}")(a)),
    "serverless_gb_second": ("AmazonSageMaker", _usage("ServerlessInf:GB-Sec")),
    "serverless_data_gb": ("AmazonSageMaker", _usage("ServerlessInf:Data-Bytes")),
    "s3_standard_gb_month": ("AmazonS3", lambda a: a.get("volumeType") == "Standard"
                             and _usage("TimedStorage-ByteHrs")(a)),
    "kms_key_month": ("awskms", _usage("KMS-Keys")),
    "alarm_metric_month": ("AmazonCloudWatch", _usage("CW:AlarmMonitorUsage")),
    "dashboard_month": ("AmazonCloudWatch", _usage("DashboardsUsageHour")),
}
PER_INSTANCE_TYPE = ("instance_hour", "batch_transform_instance_hour")


class OfferError(ValueError):
    """A selector found no price, or more than one."""


def on_demand_price(offer: Mapping[str, Any], key: str, selector: Callable[[Attributes], bool]) -> float:
    """The USD price of the one product `selector` picks (the first tier when the price is tiered)."""
    skus = [sku for sku, product in offer["products"].items() if selector(product.get("attributes", {}))]
    prices = set()
    for sku in skus:
        for term in offer["terms"]["OnDemand"].get(sku, {}).values():
            dimensions = sorted(term["priceDimensions"].values(), key=lambda d: float(d.get("beginRange", "0")))
            prices.add(float(dimensions[0]["pricePerUnit"]["USD"]))
    if len(prices) != 1:
        found = "no product" if not skus else f"{len(prices)} prices {sorted(prices)} on SKUs {sorted(skus)}"
        raise OfferError(f"{offer.get('offerCode')} {key}: the selector found {found}; expected exactly one price")
    return prices.pop()


def region_prices(offers: Mapping[str, Mapping[str, Any]], instance_types: Mapping[str, list[str]],
                  carried: Mapping[str, Any]) -> dict[str, Any]:
    """One region's table: `offers` maps an offer code to its region file, `carried` holds carried-over values."""
    table: dict[str, Any] = {}
    for key, (offer_code, selector) in SELECTORS.items():
        if key in carried:
            table[key] = carried[key]
        elif key in PER_INSTANCE_TYPE:
            table[key] = {t: on_demand_price(offers[offer_code], f"{key} {t}", lambda a, t=t: selector(a, t))
                          for t in instance_types[key]}
        else:
            table[key] = on_demand_price(offers[offer_code], key, selector)
    return table


def generate(offer_dir: Path, current: Mapping[str, Any], carry_over: list[str]) -> dict[str, Any]:
    """prices.json from `offer_dir/<offer>/<region>/index.json`, for the regions and instance types `current` prices."""
    regions: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for region, old in sorted(current["regions"].items()):
        offers = {}
        for offer_code in sorted({offer for offer, _ in SELECTORS.values()}):
            offer = json.loads((offer_dir / offer_code / region / "index.json").read_text(encoding="utf-8"))
            offers[offer_code] = offer
            sources.setdefault(offer_code, {})[region] = {
                "url": OFFER_URL.format(offer=offer_code, region=region), "version": offer["version"],
                "publicationDate": offer["publicationDate"]}
        types = {key: sorted(old[key]) for key in PER_INSTANCE_TYPE}
        regions[region] = region_prices(offers, types, {key: old[key] for key in carry_over})
    dates = sorted(s["publicationDate"] for by_region in sources.values() for s in by_region.values())
    return {
        "about": current["about"],
        "sources": sources,
        "recorded": dates[-1][:10],
        "verified": "Generated by tools/generate_prices.py from the AWS Price List offer files in `sources`"
                    + (f"; carried over unchanged from the previous file: {', '.join(carry_over)}" if carry_over else ""),
        "regions": regions,
        "assumptions": current["assumptions"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("offer_dir", type=Path, help="directory holding <offer>/<region>/index.json")
    parser.add_argument("--out", type=Path, default=PRICES)
    parser.add_argument("--carry-over", action="append", default=[], choices=sorted(SELECTORS))
    args = parser.parse_args(argv)
    current = json.loads(PRICES.read_text(encoding="utf-8"))
    try:
        table = generate(args.offer_dir, current, args.carry_over)
    except (OfferError, FileNotFoundError) as error:
        print(f"generate_prices: {error}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
