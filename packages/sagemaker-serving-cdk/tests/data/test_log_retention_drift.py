"""_data/log_retention.py is what generate_log_retention.py reads from the installed aws-cdk-lib."""

import generate_log_retention as generator
import pytest
from _generated import DATA_DIR

COMMITTED = (DATA_DIR / "log_retention.py").read_text(encoding="utf-8")


def test_fails_when_aws_cdk_lib_disagrees():
    assert generator.generate(*generator.installed_source()) == COMMITTED, (
        "aws-cdk-lib's RetentionDays changed: "
        "run python packages/sagemaker-serving-cdk/scripts/generate_log_retention.py"
    )


def test_fails_when_the_source_has_one_more_period():
    version, js = generator.installed_source()
    extra = 'RetentionDays2[RetentionDays2.FORTY_TWO_DAYS=42]="FORTY_TWO_DAYS",'
    assert generator.generate(version, extra + js) != COMMITTED


def test_fails_when_the_source_format_changes():
    with pytest.raises(ValueError, match="no RetentionDays members found"):
        generator.generate("0.0.0", "var RetentionDays;")
