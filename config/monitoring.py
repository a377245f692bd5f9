"""Settings of the environment's alarms, dashboard and billing guard.

Every alarm kind has a warning and a critical threshold (either may be left out) plus how long a breach
must last. The endpoint's 5XX and ModelLatency p99 *critical* alarms are the serving config's rollback
alarms (`serving.endpoints.<name>.alarms`), reused rather than duplicated, so this section only holds
their warning levels.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Optional
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from config.base import Section, raise_problems
from config.serving import ServingConfig
from sagemaker_serving_cdk.rules.alarm_windows import alarm_window_problems

PeriodMinutes = Literal[1, 5, 10, 15, 30, 60, 360, 1440]
Positive = Annotated[float, Field(gt=0)]
Percent = Annotated[float, Field(gt=0, le=100)]

# Deliberately plain: SNS accepts any address it can deliver to; this catches typos and pasted names.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def _check_window(period_minutes: int, evaluation_periods: int, datapoints_to_alarm: int,
                  periods_field: str = "evaluation_periods") -> None:
    # The library's rule: M <= N, and the window CloudWatch evaluates (a day for sub-hour periods, else a week).
    raise_problems(alarm_window_problems(datapoints_to_alarm, evaluation_periods, period_seconds=period_minutes * 60,
                                         periods_field=periods_field))


def _unique(field: str, values: tuple[str, ...]) -> tuple[str, ...]:
    lowered = [v.lower() for v in values]
    repeated = sorted({v for v in values if lowered.count(v.lower()) > 1})
    if repeated:
        raise ValueError(f"{field} repeats {repeated}; each subscription once")
    return values


class Thresholds(Section):
    """One alarm kind at two severities, alarming when the metric is at or above the threshold.

    Leaving both severities out turns the alarm kind off.
    """

    warning: Optional[Positive] = None
    """Notifies; someone looks during working hours. Default: none (no warning alarm)."""
    critical: Optional[Positive] = None
    """Notifies; someone acts now. Default: none (no critical alarm)."""
    period_minutes: PeriodMinutes = 5
    evaluation_periods: Annotated[int, Field(ge=1, le=288)] = 3
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=288)] = 2
    """An M-of-N alarm: this many breaching periods among the last `evaluation_periods` raise it."""

    @model_validator(mode="after")
    def _consistent(self) -> "Thresholds":
        if self.warning is not None and self.critical is not None and self.warning >= self.critical:
            raise ValueError(
                f"warning ({self.warning:g}) must be below critical ({self.critical:g}); they alarm at or above it"
            )
        _check_window(self.period_minutes, self.evaluation_periods, self.datapoints_to_alarm)
        return self

    @property
    def levels(self) -> dict[str, float]:
        """The severities that are set, e.g. {"warning": 80.0, "critical": 95.0}."""
        return {name: value for name, value in (("warning", self.warning), ("critical", self.critical))
                if value is not None}


class WarningOnly(Thresholds):
    """An alarm kind whose critical level is the endpoint's rollback alarm (serving config)."""

    @field_validator("critical")
    @classmethod
    def _critical_lives_in_serving(cls, value: Optional[float]) -> Optional[float]:
        if value is not None:
            raise ValueError(
                "the critical level of this alarm is the endpoint's rollback alarm; set it in "
                "serving.endpoints.<name>.alarms instead (one alarm, one threshold)"
            )
        return value


class NoTraffic(Section):
    """Dead traffic: no invocations at all for `periods` consecutive periods (not for async endpoints)."""

    periods: Annotated[int, Field(ge=1, le=288)] = 6
    period_minutes: PeriodMinutes = 5
    severity: Literal["warning", "critical"] = "warning"

    @model_validator(mode="after")
    def _window(self) -> "NoTraffic":
        _check_window(self.period_minutes, self.periods, self.periods, periods_field="periods")
        return self


class EndpointAlarmThresholds(Section):
    """Per-variant alarm thresholds, applied to every endpoint of the environment.

    Units are in the field names. Latencies are in milliseconds (CloudWatch reports microseconds; the
    alarms convert). CPU is a percentage of the whole instance (the metric's sum over vCPUs is divided by
    the instance type's vCPU count).
    """

    invocations_per_period: Thresholds = Thresholds(warning=1000)
    """A traffic spike: Invocations (Sum) per period. Real-time and serverless endpoints only."""
    no_invocations: Optional[NoTraffic] = None
    """Default: off (an idle dev or staging endpoint is normal)."""
    errors_5xx_per_period: WarningOnly = WarningOnly(warning=1)
    """Invocation5XXErrors (Sum) per period; critical: serving.endpoints.<name>.alarms.errors_5xx_per_minute."""
    errors_4xx_percent: Thresholds = Thresholds(warning=5, critical=25)
    """Invocation4XXErrors as a percentage of Invocations (metric math). Real-time and serverless only."""
    model_latency_p99_ms: WarningOnly = WarningOnly(warning=500)
    """ModelLatency p99; critical: serving.endpoints.<name>.alarms.latency_p99_ms."""
    overhead_latency_p99_ms: Thresholds = Thresholds(warning=100, critical=500)
    """OverheadLatency p99 (SageMaker's own time, incl. serverless cold starts). Not published for async."""
    cpu_utilization_percent: Thresholds = Thresholds(warning=80, critical=95)
    """Instance variants only (serverless publishes no CPU metric)."""
    memory_utilization_percent: Thresholds = Thresholds(warning=80, critical=90)
    """Instance variants only."""
    async_backlog_size: Thresholds = Thresholds(warning=100, critical=500)
    """ApproximateBacklogSize (Average): queued requests, async endpoints only."""
    async_oldest_request_age_seconds: Thresholds = Thresholds(warning=300, critical=900)
    """ApproximateAgeOfOldestRequest (Maximum), async endpoints only."""
    serverless_model_setup_ms: Thresholds = Thresholds(warning=5000, critical=20000)
    """ModelSetupTime (Maximum): cold-start time to launch compute, serverless endpoints only."""
    component_no_capacity_failures: Thresholds = Thresholds(warning=10)
    """NoCapacityInvocationFailures (Sum) per period, inference components only: requests refused for want of a
    copy. A component waking from zero refuses its first requests, hence a few are tolerated."""

    @field_validator("cpu_utilization_percent", "memory_utilization_percent")
    @classmethod
    def _percentages(cls, value: Thresholds) -> Thresholds:
        over = {name: level for name, level in value.levels.items() if level > 100}
        if over:
            raise ValueError(f"utilization thresholds are percentages of the instance (0-100); got {over}")
        return value


class Subscriptions(Section):
    """Who hears about alarms: every address here is subscribed to the alarm topic and the billing topic."""

    emails: tuple[str, ...] = ()
    """E-mail addresses. Each must confirm the subscription from the message SNS sends."""
    https_urls: tuple[str, ...] = ()
    """HTTPS endpoints (a chat webhook, an incident tool). The endpoint must confirm the subscription."""

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in values if not _EMAIL.match(v) or len(v) > 254]
        if bad:
            raise ValueError(f"not an e-mail address: {bad}; expected e.g. ml-oncall@example.com")
        return _unique("emails", values)

    @field_validator("https_urls")
    @classmethod
    def _https_urls(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
                raise ValueError(f"{value!r} is not an https:// URL with a host; SNS subscriptions here must use TLS")
            if parts.username or parts.password:
                raise ValueError(
                    "an https URL with user:password would store the credentials in the template in clear text; "
                    "use a URL with a token the receiver checks, or an authenticating proxy"
                )
        return _unique("https_urls", values)


class BillingThresholds(Thresholds):
    """Thresholds on month-to-date charges. AWS/Billing publishes a few times a day: by default one 6-hour
    period that breaches raises the alarm."""

    period_minutes: PeriodMinutes = 360
    evaluation_periods: Annotated[int, Field(ge=1, le=4)] = 1
    datapoints_to_alarm: Annotated[int, Field(ge=1, le=4)] = 1


class Billing(Section):
    """Month-to-date estimated charges (AWS/Billing, us-east-1), in USD.

    EstimatedCharges accumulates over the month and resets on the 1st, so a threshold is a monthly budget.
    """

    total_usd: BillingThresholds = BillingThresholds(warning=100, critical=200)
    """The whole account's charges (Currency=USD)."""
    sagemaker_usd: BillingThresholds = BillingThresholds(warning=50, critical=100)
    """SageMaker's share (ServiceName=AmazonSageMaker)."""

    @model_validator(mode="after")
    def _sagemaker_within_total(self) -> "Billing":
        problems = [
            f"sagemaker_usd.{level} ({sagemaker:g}) exceeds total_usd.{level} ({total:g})"
            for level, sagemaker in self.sagemaker_usd.levels.items()
            if (total := self.total_usd.levels.get(level)) is not None and sagemaker > total
        ]
        if problems:
            raise ValueError(f"{'; '.join(problems)}; SageMaker's charges are part of the total")
        return self


class MonitoringConfig(Section):
    """Alarms, their recipients, the dashboard and the billing guard of one environment."""

    subscriptions: Subscriptions = Subscriptions()
    """Default: nobody (the topics exist; subscribe in the console or add addresses here)."""
    endpoint_alarms: EndpointAlarmThresholds = EndpointAlarmThresholds()
    billing: Billing = Billing()
    dashboard: bool = True
    """A CloudWatch dashboard per environment (3 are free per account, then $3 a month each)."""


def problems_with_serving(monitoring: MonitoringConfig, serving: ServingConfig) -> list[str]:
    """Warning levels must sit below the critical levels they share an alarm kind with: each endpoint's
    rollback alarms (serving.endpoints.<name>.alarms)."""
    thresholds = monitoring.endpoint_alarms
    latency = thresholds.model_latency_p99_ms
    errors = thresholds.errors_5xx_per_period
    problems = []
    for name, endpoint in serving.endpoints.items():
        critical = endpoint.alarms
        if latency.warning is not None and latency.warning >= critical.latency_p99_ms:
            problems.append(
                f"monitoring.endpoint_alarms.model_latency_p99_ms.warning ({latency.warning:g} ms) must be below "
                f"endpoint {name!r}'s critical level serving.endpoints.{name}.alarms.latency_p99_ms "
                f"({critical.latency_p99_ms:g} ms)"
            )
        if errors.warning is not None and errors.warning / errors.period_minutes >= critical.errors_5xx_per_minute:
            problems.append(
                f"monitoring.endpoint_alarms.errors_5xx_per_period.warning ({errors.warning:g} per "
                f"{errors.period_minutes} min) must be a lower rate than endpoint {name!r}'s critical level "
                f"serving.endpoints.{name}.alarms.errors_5xx_per_minute ({critical.errors_5xx_per_minute} per min)"
            )
    return problems
