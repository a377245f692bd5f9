"""Building blocks for the serving construct tests: a key, buckets, role and models in a bare stack."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import Stack, aws_kms as kms, aws_s3 as s3, aws_sns as sns, aws_cloudwatch_actions as cw_actions
from aws_cdk.assertions import Template

from config.serving import EndpointSettings, ModelSettings
from ml_constructs.endpoint import InferenceEndpoint
from ml_constructs.endpoint_config import EndpointConfiguration
from ml_constructs.execution_role import SageMakerExecutionRole
from ml_constructs.model import ModelData, ModelImage, SageMakerModel

ENDPOINT_NAME = "mlinf-test-realtime"


@dataclass
class Kit:
    stack: Stack
    key: kms.Key
    models_bucket: s3.Bucket
    output_bucket: s3.Bucket
    role: SageMakerExecutionRole
    alarm_action: cw_actions.SnsAction

    def model(self, model_id: str = "Model", *, key: str = "models/model.tar.gz", **props) -> SageMakerModel:
        props.setdefault("image", ModelImage.from_framework("sklearn", "1.2-1"))
        props.setdefault("model_data", ModelData.from_bucket(self.models_bucket, key))
        return SageMakerModel(self.stack, model_id, role=self.role, **props)

    def endpoint_config(self, settings: dict, models: dict | None = None, **props) -> EndpointConfiguration:
        endpoint_settings = EndpointSettings.model_validate(settings)
        if models is None:
            models = {name: self.model(f"{name.capitalize()}Model", network_isolation=endpoint_settings.serverless is None)
                      for name in set(endpoint_settings.model_names)}
        props.setdefault("volume_key", self.key)
        props.setdefault("output_bucket", self.output_bucket)
        props.setdefault("data_key", self.key)
        return EndpointConfiguration(self.stack, "Config", settings=endpoint_settings, models=models, role=self.role,
                                     label="test", **props)

    def endpoint(self, settings: dict, **props) -> InferenceEndpoint:
        config = self.endpoint_config(settings)
        endpoint_settings = config.settings
        props.setdefault("deployment", endpoint_settings.deployment)
        props.setdefault("alarms", endpoint_settings.alarms)
        props.setdefault("endpoint_name", ENDPOINT_NAME)
        return InferenceEndpoint(self.stack, "Endpoint", endpoint_config=config, alarm_action=self.alarm_action, **props)

    def template(self) -> Template:
        return Template.from_stack(self.stack)


def make_kit(stack: Stack) -> Kit:
    key = kms.Key(stack, "Key")
    models_bucket = s3.Bucket(stack, "Models", encryption_key=key)
    output_bucket = s3.Bucket(stack, "Output", encryption_key=key)
    role = SageMakerExecutionRole(stack, "Role", model_bucket=models_bucket, output_bucket=output_bucket)
    topic = sns.Topic(stack, "Alarms")
    return Kit(stack, key, models_bucket, output_bucket, role, cw_actions.SnsAction(topic))


def one_variant(**overrides) -> dict:
    return {"variants": [{"name": "primary", "model": "main", **overrides}]}


def policy_statements(template: Template) -> list[dict]:
    return [s for p in template.find_resources("AWS::IAM::Policy").values()
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


def actions_of(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def only(resources: dict) -> dict:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.values()))


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True)


__all__ = ["Kit", "make_kit", "one_variant", "policy_statements", "actions_of", "only", "dumps", "ModelSettings"]
