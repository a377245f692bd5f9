"""_data/framework_images.py is what generate_framework_images.py makes from the installed sagemaker-core
(requirements-data.lock, installed without dependencies by `make setup`); aws-cdk-lib's region facts cross-check
the DLC accounts where they have one (they lack some regions, so they are not the source)."""

import generate_framework_images as generator
from _generated import DATA_DIR

from sagemaker_serving_cdk._data.framework_images import FRAMEWORK_IMAGES

COMMITTED = (DATA_DIR / "framework_images.py").read_text(encoding="utf-8")


def test_fails_when_the_sdk_image_config_disagrees():
    assert generator.generate(*generator.installed_source()) == COMMITTED, (
        "the SDK's image_uri_config changed: "
        "run python packages/sagemaker-serving-cdk/scripts/generate_framework_images.py"
    )


def test_fails_when_the_source_has_one_more_region():
    version, documents, regex = generator.installed_source()
    documents["sklearn"]["inference"]["versions"]["1.2-1"]["registries"]["eu-west-9"] = "000000000000"
    assert generator.generate(version, documents, regex) != COMMITTED


def test_only_commercial_regions():
    regions = {r for f in FRAMEWORK_IMAGES.values() for v in f["versions"].values() for r in v["registries"]}
    assert regions and not any(r.startswith(("cn-", "us-gov-", "us-iso", "eu-isoe")) for r in regions)


def test_dlc_accounts_agree_with_aws_cdk_lib_region_facts():
    from aws_cdk.region_info import RegionInfo

    mismatches = {}
    for version, spec in FRAMEWORK_IMAGES["pytorch"]["versions"].items():
        for region, account in spec["registries"].items():
            fact = RegionInfo.get(region).dlc_repository_account
            if fact is not None and fact != account:
                mismatches[(version, region)] = (account, fact)
    assert mismatches == {}
