"""The compliance rule packs every stage is checked against at synth (cdk-nag 3.x validation plugins)."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks
from constructs import IConstruct


def compliance_packs(scope: IConstruct) -> list[NagPack]:
    return [AwsSolutionsChecks(scope), HIPAASecurityChecks(scope), NIST80053R5Checks(scope)]


def register_compliance_checks(app: App) -> None:
    """Any unacknowledged finding makes synth fail and writes cdk.out/validation-report.json."""
    Validations.of(app).add_plugins(*compliance_packs(app))
