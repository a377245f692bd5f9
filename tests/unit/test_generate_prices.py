"""tools/generate_prices.py on a small fixture written in the Price List offer file schema (AWS Billing docs,
"Reading the service price list file"). The build cannot fetch real offers: these tests prove the parser and
its refusal to guess, not the usage types of today's offers (a maintainer's first run against them does)."""

import json

import pytest

from tools.generate_prices import OfferError, generate, on_demand_price

REGION = "us-east-1"


def offer(code, products):
    """products: {sku: (attributes, [(beginRange, USD), ...])}"""
    return {
        "formatVersion": "v1.0", "offerCode": code, "version": "20261101000000",
        "publicationDate": "2026-11-01T00:00:00Z",
        "products": {sku: {"sku": sku, "productFamily": "x", "attributes": {"regionCode": REGION, **attrs}}
                     for sku, (attrs, _) in products.items()},
        "terms": {"OnDemand": {sku: {f"{sku}.JRTCKXETXF": {"offerTermCode": "JRTCKXETXF", "sku": sku, "priceDimensions": {
            f"{sku}.JRTCKXETXF.{i}": {"unit": "Hrs", "beginRange": begin, "endRange": "Inf", "pricePerUnit": {"USD": usd}}
            for i, (begin, usd) in enumerate(tiers)}}} for sku, (_, tiers) in products.items()}},
    }


OFFERS = {
    "AmazonSageMaker": offer("AmazonSageMaker", {
        "H1": ({"instanceName": "ml.m5.large", "usagetype": "USE1-Host:ml.m5.large"}, [("0", "0.1150000000")]),
        "T1": ({"instanceName": "ml.m5.large", "usagetype": "USE1-Tsform:ml.m5.large"}, [("0", "0.1150000000")]),
        "N1": ({"instanceName": "ml.m5.large", "usagetype": "USE1-Notebk:ml.m5.large"}, [("0", "0.1150000000")]),
        "S1": ({"usagetype": "USE1-ServerlessInf:GB-Sec"}, [("0", "0.0000200000")]),
        "S2": ({"usagetype": "USE1-ServerlessInf:Data-Bytes"}, [("0", "0.0160000000")]),
    }),
    "AmazonS3": offer("AmazonS3", {
        "B1": ({"volumeType": "Standard", "usagetype": "TimedStorage-ByteHrs"},
               [("51200", "0.0220000000"), ("0", "0.0230000000")]),
        "B2": ({"volumeType": "Intelligent-Tiering", "usagetype": "TimedStorage-INT-FA-ByteHrs"}, [("0", "0.02")]),
    }),
    "awskms": offer("awskms", {"K1": ({"usagetype": "us-east-1-KMS-Keys"}, [("0", "1.0000000000")])}),
    "AmazonCloudWatch": offer("AmazonCloudWatch", {
        "A1": ({"usagetype": "CW:AlarmMonitorUsage"}, [("0", "0.1000000000")]),
        "D1": ({"usagetype": "DashboardsUsageHour"}, [("0", "3.0000000000")]),
    }),
}
CURRENT = {"about": "a", "assumptions": {"hours_per_month": 730}, "regions": {REGION: {
    "instance_hour": {"ml.m5.large": 9.9}, "batch_transform_instance_hour": {"ml.m5.large": 9.9},
    "dashboard_month": 42.0}}}


def write_offers(root, offers):
    for code, document in offers.items():
        path = root / code / REGION / "index.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(document))
    return root


def test_prices_come_from_the_offers_with_their_source_and_date(tmp_path):
    table = generate(write_offers(tmp_path, OFFERS), CURRENT, [])
    assert table["regions"][REGION] == {
        "instance_hour": {"ml.m5.large": 0.115}, "batch_transform_instance_hour": {"ml.m5.large": 0.115},
        "serverless_gb_second": 0.00002, "serverless_data_gb": 0.016, "s3_standard_gb_month": 0.023,
        "kms_key_month": 1.0, "alarm_metric_month": 0.1, "dashboard_month": 3.0}
    assert table["sources"]["AmazonS3"][REGION]["version"] == "20261101000000"
    assert table["recorded"] == "2026-11-01" and table["assumptions"] == CURRENT["assumptions"]


def test_fails_when_no_product_matches(tmp_path):
    offers = json.loads(json.dumps(OFFERS))
    del offers["AmazonSageMaker"]["products"]["T1"]
    with pytest.raises(OfferError, match="batch_transform_instance_hour ml.m5.large: the selector found no product"):
        generate(write_offers(tmp_path, offers), CURRENT, [])


def test_fails_when_a_selector_finds_two_prices():
    offers = json.loads(json.dumps(OFFERS))
    offers["awskms"]["products"]["K2"] = {"attributes": {"usagetype": "eu-KMS-Keys"}}
    offers["awskms"]["terms"]["OnDemand"]["K2"] = {"t": {"priceDimensions": {"d": {"pricePerUnit": {"USD": "2"}}}}}
    with pytest.raises(OfferError, match=r"2 prices \[1.0, 2.0\]"):
        on_demand_price(offers["awskms"], "kms_key_month", lambda a: a["usagetype"].endswith("-KMS-Keys"))


def test_carried_over_values_are_kept_and_named(tmp_path):
    table = generate(write_offers(tmp_path, OFFERS), CURRENT, ["dashboard_month"])
    assert table["regions"][REGION]["dashboard_month"] == 42.0 and "dashboard_month" in table["verified"]
