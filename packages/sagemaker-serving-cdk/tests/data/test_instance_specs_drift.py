"""_data/instance_specs.py is what generate_instance_specs.py makes from the installed Apache Libcloud (AWS's EC2
price-list attributes) and botocore; the SageMaker SDK's GPU table and the hand-kept NVMe rule cross-check it."""

import json
from importlib.metadata import distributions

import generate_instance_specs as generator
import pytest
from _generated import DATA_DIR

from sagemaker_serving_cdk._data.instance_specs import INSTANCE_SPECS, UNLISTED
from sagemaker_serving_cdk.rules.instances import has_instance_storage

COMMITTED = (DATA_DIR / "instance_specs.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def source():
    return generator.installed_source()


def test_fails_when_the_price_list_rows_or_botocore_disagree(source):
    assert generator.generate(*source) == COMMITTED, (
        "Libcloud's EC2 rows or botocore's instance types changed: "
        "run python packages/sagemaker-serving-cdk/scripts/generate_instance_specs.py"
    )


def test_fails_when_a_row_changes(source):
    version, rows, botocore_version, types = source
    rows = {**rows, "m5.large": {**rows["m5.large"], "extra": {**rows["m5.large"]["extra"], "vcpu": "4"}}}
    assert generator.generate(version, rows, botocore_version, types) != COMMITTED


def test_fails_when_sagemaker_gains_a_type(source):
    version, rows, botocore_version, types = source
    assert generator.generate(version, rows, botocore_version, {*types, "ml.m5.3xlarge"}) != COMMITTED


def test_every_sagemaker_type_is_specified_or_listed_as_unlisted(source):
    *_, types = source
    assert set(INSTANCE_SPECS) | set(UNLISTED) == types and not set(INSTANCE_SPECS) & set(UNLISTED)
    assert len(UNLISTED) < len(INSTANCE_SPECS) / 10, "the source lags far behind SageMaker: look for a newer one"


def test_gpu_counts_agree_with_the_sagemaker_sdk():
    """sagemaker-core's instance_gpu_info.json (what the SDK uses for GPU sizing) lists fewer types; where it
    lists one, the counts agree."""
    dist = next(iter(distributions(name="sagemaker-core", path=[str(generator.DATA_SOURCES)])))
    regions = json.loads(dist.locate_file("sagemaker/core/image_uri_config/instance_gpu_info.json").read_text())
    sdk = {t: info["Count"] for types in regions.values() for t, info in types.items()}
    compared = {t: (INSTANCE_SPECS[t]["gpus"], n) for t, n in sdk.items() if t in INSTANCE_SPECS}
    assert len(compared) >= 15
    assert {t: pair for t, pair in compared.items() if pair[0] != pair[1]} == {}


# The price list says "EBS only" for trn2.48xlarge; the hand-kept rule (has_instance_storage) follows the EC2
# instance-type specifications, which list instance storage for Trn2. Refusing a volume key there is the safe side.
STORAGE_DISAGREEMENTS_ACKNOWLEDGED = {"ml.trn2.48xlarge"}


def test_local_storage_agrees_with_the_hand_kept_nvme_rule():
    disagree = {t for t, row in INSTANCE_SPECS.items() if row["instance_storage"] != has_instance_storage(t)}
    assert disagree == STORAGE_DISAGREEMENTS_ACKNOWLEDGED


@pytest.mark.parametrize(
    "instance_type, vcpus, memory_mib, gpus",
    [  # Spot checks against the EC2 instance-type pages.
        ("ml.m5.large", 2, 8192, 0),
        ("ml.m5.xlarge", 4, 16384, 0),
        ("ml.c5.9xlarge", 36, 73728, 0),
        ("ml.c4.8xlarge", 36, 61440, 0),
        ("ml.t2.medium", 2, 4096, 0),
        ("ml.g4dn.xlarge", 4, 16384, 1),
        ("ml.g5.48xlarge", 192, 786432, 8),
        ("ml.p3.2xlarge", 8, 62464, 1),
        ("ml.inf2.xlarge", 4, 16384, None),
    ],
)
def test_spot_checks(instance_type, vcpus, memory_mib, gpus):
    row = INSTANCE_SPECS[instance_type]
    assert (row["vcpus"], row["memory_mib"], row["gpus"]) == (vcpus, memory_mib, gpus)
