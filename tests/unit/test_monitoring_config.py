"""Every validation rule of the monitoring section, each shown failing with environment, field and value."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, load_environments
from config.monitoring import Billing, EndpointAlarmThresholds, MonitoringConfig, Thresholds
from tests.unit.test_config import mutated, problems_for


def test_committed_environments_subscribe_and_guard_their_bills():
    environments = {env.name: env for env in load_environments(ENVIRONMENTS)}
    for env in environments.values():
        assert env.monitoring.subscriptions.emails, env.name
        assert env.monitoring.billing.total_usd.levels and env.monitoring.billing.sagemaker_usd.levels


def test_defaults_seed_the_traffic_spike_at_1000_per_5_minutes():
    spike = EndpointAlarmThresholds().invocations_per_period
    assert (spike.warning, spike.period_minutes) == (1000, 5)


def test_levels_lists_only_the_severities_that_are_set():
    assert Thresholds(warning=1).levels == {"warning": 1}
    assert Thresholds(critical=2).levels == {"critical": 2}
    assert Thresholds().levels == {}


def test_billing_thresholds_default_to_one_six_hour_period():
    total = Billing().total_usd
    assert (total.period_minutes, total.evaluation_periods, total.datapoints_to_alarm) == (360, 1, 1)


@pytest.mark.parametrize(
    "environment, path, value, expected",
    [
        ("dev", "monitoring.subscriptions.emails", ["not-an-address"],
         "dev: monitoring.subscriptions.emails = ['not-an-address']: not an e-mail address: ['not-an-address']; "
         "expected e.g. ml-oncall@example.com"),
        ("dev", "monitoring.subscriptions.emails", ["Ops Team <ops@example.com>"], "not an e-mail address"),
        ("dev", "monitoring.subscriptions.emails", ["a@example.com", "A@example.com"],
         "emails repeats ['A@example.com', 'a@example.com']"),
        ("prod", "monitoring.subscriptions.https_urls", ["http://hooks.example.com/x"],
         "prod: monitoring.subscriptions.https_urls = ['http://hooks.example.com/x']: 'http://hooks.example.com/x' "
         "is not an https:// URL with a host"),
        ("prod", "monitoring.subscriptions.https_urls", ["https:///path-only"], "is not an https:// URL with a host"),
        ("prod", "monitoring.subscriptions.https_urls", ["https://user:secret@hooks.example.com/x"],
         "would store the credentials in the template in clear text"),
        ("prod", "monitoring.subscriptions.phone_numbers", ["+15550100"],
         "prod: monitoring.subscriptions.phone_numbers = ['+15550100']: Extra inputs are not permitted"),
        ("dev", "monitoring.endpoint_alarms.cpu_utilization_percent", {"warning": 90, "critical": 80},
         "dev: monitoring.endpoint_alarms.cpu_utilization_percent = {'warning': 90, 'critical': 80}: "
         "warning (90) must be below critical (80)"),
        ("dev", "monitoring.endpoint_alarms.memory_utilization_percent", {"warning": 80, "critical": 150},
         "utilization thresholds are percentages of the instance (0-100); got {'critical': 150.0}"),
        ("dev", "monitoring.endpoint_alarms.overhead_latency_p99_ms", {"warning": 0},
         "monitoring.endpoint_alarms.overhead_latency_p99_ms.warning = 0: Input should be greater than 0"),
        ("dev", "monitoring.endpoint_alarms.errors_4xx_percent", {"warning": 5, "evaluation_periods": 2,
                                                                  "datapoints_to_alarm": 3},
         "errors_4xx_percent = {'warning': 5, 'evaluation_periods': 2, 'datapoints_to_alarm': 3}: datapoints_to_alarm = 3: "
         "more breaching datapoints than periods evaluated; the alarm could never fire; allowed: <= evaluation_periods (2)"),
        # PutMetricAlarm, Period: Period x EvaluationPeriods <= one day for periods under an hour, else a week.
        ("dev", "monitoring.endpoint_alarms.async_backlog_size", {"warning": 5, "period_minutes": 30,
                                                                  "evaluation_periods": 49, "datapoints_to_alarm": 1},
         "evaluation_periods = 49: 49 periods of 30 minutes span 24.5 hours; CloudWatch evaluates no longer window; "
         "allowed: <= 48 periods of 30 minutes (24 hours with periods under an hour)"),
        ("dev", "monitoring.endpoint_alarms.invocations_per_period", {"warning": 5, "period_minutes": 7},
         "monitoring.endpoint_alarms.invocations_per_period.period_minutes = 7: Input should be 1, 5, 10, 15, 30, 60, 360 or 1440"),
        ("dev", "monitoring.endpoint_alarms.errors_5xx_per_period", {"warning": 1, "critical": 10},
         "the critical level of this alarm is the endpoint's rollback alarm; set it in serving.endpoints.<name>.alarms"),
        ("dev", "monitoring.endpoint_alarms.model_latency_p99_ms", {"critical": 900},
         "monitoring.endpoint_alarms.model_latency_p99_ms.critical = 900: the critical level of this alarm"),
        ("prod", "monitoring.endpoint_alarms.no_invocations", {"periods": 0},
         "prod: monitoring.endpoint_alarms.no_invocations.periods = 0: Input should be greater than or equal to 1"),
        ("prod", "monitoring.endpoint_alarms.no_invocations", {"periods": 6, "severity": "page"},
         "no_invocations.severity = 'page': Input should be 'warning' or 'critical'"),
        ("prod", "monitoring.endpoint_alarms.no_invocations", {"periods": 8, "period_minutes": 1440},
         "periods = 8: 8 periods of 1440 minutes span 192 hours; CloudWatch evaluates no longer window; "
         "allowed: <= 7 periods of 1440 minutes (168 hours)"),
        ("staging", "monitoring.billing.total_usd", {"warning": 100, "critical": 100},
         "staging: monitoring.billing.total_usd = {'warning': 100, 'critical': 100}: warning (100) must be below critical (100)"),
        # Both levels given here, so the case does not depend on the environment's committed values.
        ("staging", "monitoring.billing", {"total_usd": {"warning": 400, "critical": 600},
                                           "sagemaker_usd": {"warning": 500, "critical": 550}},
         "sagemaker_usd.warning (500) exceeds total_usd.warning (400); SageMaker's charges are part of the total"),
        ("staging", "monitoring.billing", {"total_usd": {"warning": 400, "critical": 600},
                                           "sagemaker_usd": {"warning": 500, "critical": 700}},
         "sagemaker_usd.warning (500) exceeds total_usd.warning (400); sagemaker_usd.critical (700) exceeds "
         "total_usd.critical (600); SageMaker's charges are part of the total"),
        ("staging", "monitoring.billing.total_usd", {"warning": 100, "evaluation_periods": 5},
         "monitoring.billing.total_usd.evaluation_periods = 5: Input should be less than or equal to 4"),
        ("dev", "monitoring.dashboard", "sometimes", "dev: monitoring.dashboard = 'sometimes': Input should be a valid boolean"),
    ],
)
def test_fails_on_bad_monitoring_value(environment, path, value, expected):
    problems = problems_for(mutated(environment, path, value))
    assert any(expected in problem for problem in problems), problems


def test_hourly_periods_may_look_back_a_week():
    # PutMetricAlarm, Period: only periods under an hour are held to one day (config refused 25 hourly periods).
    thresholds = Thresholds(warning=5, period_minutes=60, evaluation_periods=25, datapoints_to_alarm=1)
    assert thresholds.evaluation_periods == 25


def test_monitoring_section_is_optional():
    environments = mutated("dev", "monitoring", None)
    environments[0].pop("monitoring")
    dev = load_environments(environments)[0]
    assert dev.monitoring == MonitoringConfig()


def test_fails_when_the_latency_warning_is_not_below_an_endpoint_critical_level():
    # prod's realtime endpoint rolls back at 500 ms p99 (serving config).
    problems = problems_for(mutated("prod", "monitoring.endpoint_alarms.model_latency_p99_ms", {"warning": 500}))
    assert any(p.startswith("prod: (whole environment)") and
               "monitoring.endpoint_alarms.model_latency_p99_ms.warning (500 ms) must be below endpoint 'realtime''s "
               "critical level serving.endpoints.realtime.alarms.latency_p99_ms (500 ms)" in p for p in problems), problems


def test_fails_when_the_5xx_warning_rate_reaches_an_endpoint_critical_rate():
    problems = problems_for(mutated("staging", "monitoring.endpoint_alarms.errors_5xx_per_period",
                                    {"warning": 25, "period_minutes": 5}))
    assert any("errors_5xx_per_period.warning (25 per 5 min) must be a lower rate than endpoint 'async''s critical "
               "level serving.endpoints.async.alarms.errors_5xx_per_minute (5 per min)" in p for p in problems), problems
