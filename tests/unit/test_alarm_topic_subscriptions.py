"""The config's recipients are subscribed to the Data stack's alarm topic in every environment."""

from __future__ import annotations

import pytest

from tests.environments import STAGE_IDS as STAGES


@pytest.mark.parametrize("stage", STAGES)
def test_config_subscriptions_reach_the_data_alarm_topic(synthesized, stage):
    settings = synthesized.stages[stage].config.monitoring.subscriptions
    template = synthesized.templates()[f"{stage}/Data"]
    topics = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::SNS::Topic"]
    assert len(topics) == 1
    found = sorted(
        (r["Properties"]["Protocol"], r["Properties"]["Endpoint"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["TopicArn"] == {"Ref": topics[0]}
    )
    assert found == sorted([("email", e) for e in settings.emails] + [("https", u) for u in settings.https_urls])
    assert found
