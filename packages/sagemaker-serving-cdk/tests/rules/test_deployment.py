"""rules.deployment: blue/green traffic routing, rolling updates and rollback alarms."""

import pytest

from sagemaker_serving_cdk.rules.deployment import (
    capacity_size_problems,
    rollback_alarm_problems,
    rolling_update_problems,
    timing_problems,
    traffic_routing_problems,
)

ROLLING = {"batch_type": "INSTANCE_COUNT", "batch_value": 1, "wait_seconds": 300}


def fields(problems):
    return [(p.field, p.value) for p in problems]


def test_accepts_sound_settings():
    assert traffic_routing_problems("ALL_AT_ONCE", None, None) == []
    assert traffic_routing_problems("CANARY", "CAPACITY_PERCENT", 10) == []
    assert traffic_routing_problems("LINEAR", "INSTANCE_COUNT", 2) == []
    assert rolling_update_problems(**ROLLING, maximum_execution_timeout_seconds=600) == []
    assert rolling_update_problems(batch_type="COPY_COUNT", batch_value=2, wait_seconds=0, target="component") == []
    assert rollback_alarm_problems(0, auto_rollback=False) == []
    assert rollback_alarm_problems(2, auto_rollback=True) == []


@pytest.mark.parametrize(
    "args, expected",
    [
        (("CANARY", None, None), [("size.value", None)]),
        (("ALL_AT_ONCE", "CAPACITY_PERCENT", 5), [("size.value", 5)]),
        (("LINEAR", "CAPACITY_PERCENT", 150), [("size.value", 150)]),
        (("LINEAR", "CAPACITY_PERCENT", 0), [("size.value", 0)]),
        (("LINEAR", "INSTANCE_COUNT", 0), [("size.value", 0)]),
        (("BLUE", None, None), [("traffic_routing", "BLUE")]),
        (("LINEAR", "COPY_COUNT", 1), [("size.type", "COPY_COUNT")]),
    ],
)
def test_fails_on_bad_traffic_routing(args, expected):
    assert fields(traffic_routing_problems(*args)) == expected


def test_fails_on_instance_counts_for_serverless():
    problems = traffic_routing_problems("CANARY", "INSTANCE_COUNT", 1, serverless=True)
    assert fields(problems) == [("size.type", "INSTANCE_COUNT")]
    assert "no instances" in str(problems[0])


def test_config_names_its_own_fields():
    problems = traffic_routing_problems("LINEAR", "CAPACITY_PERCENT", 150, size_field="size", value_field="size_value")
    assert str(problems[0]) == "size_value = 150: a percentage of the fleet; allowed: 10-50"


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"batch_type": "COPY_COUNT"}, [("deployment.maximum_batch_size.type", "COPY_COUNT")]),
        ({"batch_value": 0}, [("deployment.maximum_batch_size.value", 0)]),
        ({"wait_seconds": 3601}, [("deployment.wait_interval", 3601)]),
        ({"maximum_execution_timeout_seconds": 599}, [("deployment.maximum_execution_timeout", 599)]),
        ({"maximum_execution_timeout_seconds": 28801}, [("deployment.maximum_execution_timeout", 28801)]),
        (
            {"rollback_type": "CAPACITY_PERCENT", "rollback_value": 101},
            [("deployment.rollback_maximum_batch_size.value", 101)],
        ),
        ({"serverless": True}, [("deployment", "rolling update")]),
    ],
)
def test_fails_on_bad_rolling_updates(change, expected):
    assert fields(rolling_update_problems(**{**ROLLING, **change})) == expected


def test_fails_on_instance_counts_for_components():
    problems = rolling_update_problems(**ROLLING, target="component")
    assert fields(problems) == [("deployment.maximum_batch_size.type", "INSTANCE_COUNT")]
    assert problems[0].message == "a component's capacity is counted in copies or percent"
    assert problems[0].allowed == "COPY_COUNT or CAPACITY_PERCENT"


def test_fails_on_a_capacity_size_of_another_target():
    assert capacity_size_problems("COPY_COUNT", 1, field="size")[0].allowed == "INSTANCE_COUNT or CAPACITY_PERCENT"


@pytest.mark.parametrize("count", [0, 11])
def test_fails_on_auto_rollback_without_1_to_10_alarms(count):
    assert fields(rollback_alarm_problems(count, auto_rollback=True)) == [("rollback_alarms", count)]


@pytest.mark.parametrize(
    "args, expected",
    [
        ((-1,), [("deployment.wait_interval", -1)]),
        ((0, None, 3601), [("deployment.termination_wait", 3601)]),
        ((0, 599), [("deployment.maximum_execution_timeout", 599)]),
    ],
)
def test_fails_on_waits_and_timeouts_out_of_range(args, expected):
    assert fields(timing_problems(*args)) == expected
    assert timing_problems(3600, 28800, 0) == []


@pytest.mark.parametrize("target, count_type", [("endpoint", "INSTANCE_COUNT"), ("component", "COPY_COUNT")])
def test_fails_on_a_rolling_batch_outside_5_to_50_percent(target, count_type):
    # RollingUpdatePolicy and InferenceComponentRollingUpdatePolicy, MaximumBatchSize: "must be between 5% to 50%"
    # of the variant's instances or the component's copies (API reference; botocore's member documentation).
    rolling = {"batch_type": "CAPACITY_PERCENT", "wait_seconds": 0, "target": target}
    assert rolling_update_problems(**rolling, batch_value=5) == rolling_update_problems(**rolling, batch_value=50) == []
    for percent in (4, 51, 100):
        (problem,) = rolling_update_problems(**rolling, batch_value=percent)
        assert (problem.field, problem.value, problem.allowed) == (
            "deployment.maximum_batch_size.value",
            percent,
            "5-50",
        )
    # Counts are not percentages, and a rollback may move everything at once (its default is 100%).
    assert rolling_update_problems(**{**rolling, "batch_type": count_type}, batch_value=60) == []
    assert (
        rolling_update_problems(**rolling, batch_value=25, rollback_type="CAPACITY_PERCENT", rollback_value=100) == []
    )


def test_fails_on_a_rolling_update_of_several_variants():
    (problem,) = rolling_update_problems(**ROLLING, variant_names=["primary", "shadow"])
    assert (problem.field, problem.value) == ("deployment", ["primary", "shadow"])
    assert rolling_update_problems(**ROLLING, variant_names=["primary"]) == []


def test_an_empty_field_leaves_the_names_bare():
    problems = rolling_update_problems(**{**ROLLING, "batch_value": 0, "wait_seconds": -1}, field="")
    assert [p.field for p in problems] == ["maximum_batch_size.value", "wait_interval"]
    assert timing_problems(None, 599, field="") == timing_problems(0, 599, field="")


@pytest.mark.parametrize("routing, low, high", [("CANARY", 1, 50), ("LINEAR", 10, 50)])
def test_fails_on_a_traffic_step_outside_the_policy_range(routing, low, high):
    # TrafficRoutingConfig: CanarySize "less than or equal to 50%", LinearStepSize "10-50%" of the variant's
    # instances (API reference; botocore's member documentation).
    assert traffic_routing_problems(routing, "CAPACITY_PERCENT", low) == []
    assert traffic_routing_problems(routing, "CAPACITY_PERCENT", high) == []
    for percent in (low - 1, high + 1):
        (problem,) = traffic_routing_problems(routing, "CAPACITY_PERCENT", percent)
        assert (problem.value, problem.allowed) == (percent, f"{low}-{high}")
