"""The account's month-to-date charges against a budget: EstimatedCharges alarms (us-east-1 only)."""

from __future__ import annotations

from typing import Optional

from aws_cdk import Duration, Stack, Token, aws_cloudwatch as cloudwatch
from constructs import Construct

from config.monitoring import Billing
from sagemaker_serving_cdk import SeverityAlarms
from stacks.adapter import alarm_levels

BILLING_REGION = "us-east-1"
"""AWS/Billing metrics exist only here, and only once billing alerts are enabled on the account."""

SAGEMAKER_SERVICE_NAME = "AmazonSageMaker"


def metric_estimated_charges(service_name: Optional[str] = None) -> cloudwatch.Metric:
    """Month-to-date estimated charges in USD: the account's total, or one service's (e.g. AmazonSageMaker)."""
    dimensions = {"Currency": "USD"}
    if service_name is not None:
        dimensions["ServiceName"] = service_name
    return cloudwatch.Metric(
        namespace="AWS/Billing",
        metric_name="EstimatedCharges",
        dimensions_map=dimensions,
        # The figure only grows during a month; the period's maximum is its latest value.
        statistic="Maximum",
        period=Duration.hours(6),
    )


class BillingAlarms(Construct):
    """Warning and critical alarms on the account total (`total`) and on SageMaker's charges (`sagemaker`).

    Must be created in a us-east-1 stack. The thresholds are monthly budgets: EstimatedCharges accumulates
    over the month and resets on the first. Missing data stays missing (INSUFFICIENT_DATA), so an account
    whose billing alerts are off shows that instead of a reassuring OK.

    :param settings: the thresholds (config.monitoring.Billing).
    :param action: where ALARM and OK notifications go.
    :param name_prefix: alarm names become `<name_prefix>-billing-<total|sagemaker>-<severity>`.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Billing, action: cloudwatch.IAlarmAction, name_prefix: str
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        if not Token.is_unresolved(region) and region != BILLING_REGION:
            raise ValueError(
                f"{self.node.path}: billing metrics exist only in {BILLING_REGION}; this stack is in {region}. "
                "Put billing alarms in a stack with env region us-east-1"
            )
        common = dict(action=action, treat_missing_data=cloudwatch.TreatMissingData.MISSING, unit=" USD")
        self.total = SeverityAlarms(
            self, "Total", metric=metric_estimated_charges(), thresholds=alarm_levels(settings.total_usd),
            description="the account's estimated charges this month", alarm_name_prefix=f"{name_prefix}-billing-total",
            **common,
        )
        self.sagemaker = SeverityAlarms(
            self, "SageMaker", metric=metric_estimated_charges(SAGEMAKER_SERVICE_NAME), thresholds=alarm_levels(settings.sagemaker_usd),
            description="SageMaker's estimated charges this month", alarm_name_prefix=f"{name_prefix}-billing-sagemaker",
            **common,
        )
