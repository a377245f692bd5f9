"""The Batch stack of every real environment: schedule -> state machine -> transform job, its own model, and
only stable imports from the Data stack."""

from __future__ import annotations

import json

import pytest

from tests.unit.serving_kit import actions_of

from tests.environments import BY_STAGE, stages_where

STAGES = stages_where(lambda env: bool(env.batch.transforms))


def resources_of(template: dict, resource_type: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


@pytest.fixture(scope="module")
def templates(synthesized) -> dict[str, dict]:
    return synthesized.templates()


def definition(machine: dict) -> str:
    """The definition with every token flattened to its JSON, enough to search it."""
    body = machine["Properties"]["DefinitionString"]
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in body["Fn::Join"][1])


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_chains_a_schedule_to_a_state_machine_that_runs_the_job(templates, stage):
    template = templates[f"{stage}/Batch"]
    machines = resources_of(template, "AWS::StepFunctions::StateMachine")
    schedules = resources_of(template, "AWS::Scheduler::Schedule")
    assert machines and len(schedules) == len(machines)
    targets = {s["Properties"]["Target"]["Arn"]["Ref"] for s in schedules.values()}
    assert targets == set(machines)
    for machine in machines.values():
        text = definition(machine)
        assert ":states:::sagemaker:createTransformJob.sync" in text
        assert '"TransformJobName.$":"States.Format(' in text


@pytest.mark.parametrize("stage", STAGES)
def test_one_schedule_per_transform_with_its_expression_zone_and_state(templates, stage):
    schedules = [s["Properties"] for s in resources_of(templates[f"{stage}/Batch"], "AWS::Scheduler::Schedule").values()]
    expected = sorted((t.schedule.expression, t.schedule.timezone, "ENABLED" if t.schedule.enabled else "DISABLED")
                      for t in BY_STAGE[stage].batch.transforms.values())
    found = sorted((s["ScheduleExpression"], s["ScheduleExpressionTimezone"], s["State"]) for s in schedules)
    assert found == expected


@pytest.mark.parametrize("stage", STAGES)
def test_batch_has_its_own_model_with_the_serving_models_image_and_artifact(templates, stage):
    """One model per model the transforms use, each with the serving model's image and artifact."""
    used = sorted({transform.model for transform in BY_STAGE[stage].batch.transforms.values()})
    batch = resources_of(templates[f"{stage}/Batch"], "AWS::SageMaker::Model")
    serving = resources_of(templates[f"{stage}/Serving"], "AWS::SageMaker::Model")
    assert len(batch) == len(used)
    for model in (name.replace("-", " ").title().replace(" ", "") for name in used):
        batch_container = next(v for k, v in batch.items() if k.startswith(f"{model}Model"))["Properties"]["PrimaryContainer"]
        serving_container = next(v for k, v in serving.items() if k.startswith(f"{model}Model"))["Properties"]["PrimaryContainer"]
        assert batch_container["Image"] == serving_container["Image"]
        assert json.dumps(batch_container["ModelDataUrl"]).replace("Batch", "") == \
            json.dumps(serving_container["ModelDataUrl"]).replace("Serving", "")


@pytest.mark.parametrize("stage", STAGES)
def test_imports_only_the_data_stacks_stable_exports(templates, stage):
    text = json.dumps(templates[f"{stage}/Batch"])
    imports = {json.dumps(i) for i in _find(templates[f"{stage}/Batch"], "Fn::ImportValue")}
    assert imports and all(any(n in i for n in ("DataKeyArn", "BucketArn", "AlarmTopicArn", "AlarmTopicKeyArn"))
                           for i in imports), imports
    assert "ModelName" not in "".join(imports) and "Serving" not in text


@pytest.mark.parametrize("stage", STAGES)
def test_the_data_key_lets_logs_encrypt_only_the_batch_log_groups(templates, stage):
    statement = next(s for key in resources_of(templates[f"{stage}/Data"], "AWS::KMS::Key").values()
                     for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "BatchStateMachineLogs")
    assert statement["Principal"]["Service"].startswith("logs.")
    assert ":log-group:/aws/vendedlogs/states/mlinf-" in json.dumps(statement["Condition"]["ArnLike"])
    log_groups = resources_of(templates[f"{stage}/Batch"], "AWS::Logs::LogGroup")
    assert all(g["Properties"]["LogGroupName"].startswith("/aws/vendedlogs/states/mlinf-") for g in log_groups.values())
    assert all("KmsKeyId" in g["Properties"] for g in log_groups.values())


@pytest.mark.parametrize("stage", STAGES)
def test_no_state_machine_role_can_pass_roles_or_use_full_access(templates, stage):
    template = templates[f"{stage}/Batch"]
    assert "AmazonSageMakerFullAccess" not in json.dumps(template)
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "iam:PassRole" not in actions_of(statement)


def test_outputs_name_the_state_machines_for_manual_runs(templates):
    outputs = templates["Prod/Batch"]["Outputs"]
    assert {"ScoringStateMachineArn", "NightlyStateMachineArn"} <= set(outputs)


def _find(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            else:
                yield from _find(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _find(item, key)
