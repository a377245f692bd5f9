"""Alarms on one metric at the severities its thresholds set, each notifying on ALARM and on OK."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from aws_cdk import Duration, aws_cloudwatch as cloudwatch
from constructs import Construct

from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.rules.alarm_windows import alarm_window_problems

Metric = cloudwatch.Metric | cloudwatch.MathExpression


@dataclass(frozen=True)
class AlarmLevels:
    """One alarm kind at up to two severities over an M-of-N window. Setting neither level turns it off."""

    warning: float | None = None
    """Notifies; someone looks during working hours. Default: none (no warning alarm)."""
    critical: float | None = None
    """Notifies; someone acts now. Default: none (no critical alarm)."""
    period: Duration = Duration.minutes(5)
    """Default: 5 minutes."""
    evaluation_periods: int = 3
    """Default: 3."""
    datapoints_to_alarm: int = 2
    """This many breaching periods among the last `evaluation_periods` raise the alarm. Default: 2."""

    @property
    def levels(self) -> dict[str, float]:
        """The severities that are set, e.g. {"warning": 80.0, "critical": 95.0}."""
        return {
            name: value for name, value in (("warning", self.warning), ("critical", self.critical)) if value is not None
        }

    @property
    def period_minutes(self) -> int:
        return int(self.period.to_minutes())


_WORDING = {
    cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD: "at or above",
    cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD: "above",
    cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD: "below",
    cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD: "at or below",
}


class SeverityAlarms(Construct):
    """One `cloudwatch.Alarm` per severity set in `thresholds` (ids `Warning` and `Critical`).

    The metric's period is replaced by `thresholds.period_minutes`, so the config alone decides the window.
    Treat-missing-data and datapoints-to-alarm are always explicit, and every alarm notifies `action`
    when it goes to ALARM and when it returns to OK (a page that never resolves gets ignored).

    :param metric: what to watch (a Metric or a MathExpression).
    :param thresholds: warning/critical levels and the M-of-N window.
    :param action: where notifications go, e.g. `SnsAction(topic)`.
    :param treat_missing_data: what a period without data means. Chosen per metric by the caller: there is
        no safe default (no traffic is healthy for an error count, and an outage for a heartbeat).
    :param description: what the alarm means, e.g. "p99 model latency of prod/realtime/champion";
        prefixed with the severity and followed by the threshold.
    :param unit: the unit of the thresholds as configured, for the description. Default: none.
    :param scale: multiplies each configured level into the metric's unit (1000 for ms on a metric in
        microseconds). Default: 1.
    :param comparison: default: alarm at or above the threshold.
    :param alarm_name_prefix: alarm names become `<prefix>-<severity>`. Default: generated names.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        metric: Metric,
        thresholds: AlarmLevels,
        action: cloudwatch.IAlarmAction,
        treat_missing_data: cloudwatch.TreatMissingData,
        description: str,
        unit: str = "",
        scale: float = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarm_name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not thresholds.levels:
            raise PropsError(
                self, "no warning or critical threshold set; leave the alarm out instead (got neither level)"
            )
        window = alarm_window_problems(
            thresholds.datapoints_to_alarm,
            thresholds.evaluation_periods,
            period_seconds=int(thresholds.period.to_seconds()),
            field="thresholds.datapoints_to_alarm",
            periods_field="thresholds.evaluation_periods",
        )
        if window:
            raise PropsError(self, [str(p) for p in window])
        windowed = with_period(metric, thresholds.period)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for severity, level in thresholds.levels.items():
            alarm = cloudwatch.Alarm(
                self,
                severity.capitalize(),
                metric=windowed,
                threshold=level * scale,
                comparison_operator=comparison,
                evaluation_periods=thresholds.evaluation_periods,
                datapoints_to_alarm=thresholds.datapoints_to_alarm,
                treat_missing_data=treat_missing_data,
                alarm_description=(
                    f"{severity.upper()}: {description}; {_WORDING[comparison]} {level:g}{unit} "
                    f"({thresholds.datapoints_to_alarm} of {thresholds.evaluation_periods} periods of "
                    f"{thresholds.period_minutes} min)"
                ),
                alarm_name=f"{alarm_name_prefix}-{severity}" if alarm_name_prefix else None,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[severity] = alarm

    @property
    def warning(self) -> cloudwatch.Alarm | None:
        return self.alarms.get("warning")

    @property
    def critical(self) -> cloudwatch.Alarm | None:
        return self.alarms.get("critical")


def with_period(metric: Metric, period: Duration) -> Metric:
    """The metric over `period`; for a math expression, its inputs too (CloudWatch evaluates them on one period)."""
    if isinstance(metric, cloudwatch.MathExpression):
        return cloudwatch.MathExpression(
            expression=metric.expression,
            # CloudWatch's math inputs are Metrics or MathExpressions; the L2 types them as IMetric.
            using_metrics={
                key: with_period(cast(Metric, inner), period) for key, inner in metric.using_metrics.items()
            },
            label=metric.label,
            period=period,
        )
    return metric.with_(period=period)
