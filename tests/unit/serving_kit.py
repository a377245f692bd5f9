"""Building blocks for the serving construct tests: a key, buckets, role and models in a bare stack.

Endpoint settings are given as config dicts and become construct props through the app's adapter, so these
tests cover the adapter and the library constructs together, as the Serving stack uses them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import Stack, aws_kms as kms, aws_s3 as s3, aws_sns as sns, aws_cloudwatch_actions as cw_actions
from aws_cdk.assertions import Template

from config.serving import EndpointAlarmSettings, EndpointSettings, ModelSettings
from sagemaker_serving_cdk import BucketLayout, ContainerImage, Endpoint, EndpointConfig, Model, ModelData, SageMakerExecutionRole
from stacks import adapter
from stacks.data_stack import DataReferences

ENDPOINT_NAME = "mlinf-test-realtime"
_OTHER_REFERENCES = ("input", "alarm_topic", "alarm_topic_key", "alarm_action", "registry")


@dataclass
class Kit:
    stack: Stack
    key: kms.Key
    models_bucket: s3.Bucket
    output_bucket: s3.Bucket
    role: SageMakerExecutionRole
    alarm_action: cw_actions.SnsAction

    def model(self, model_id: str = "Model", *, key: str = "models/model.tar.gz", **props) -> Model:
        props.setdefault("image", ContainerImage.from_framework("sklearn", "1.2-1"))
        props.setdefault("model_data", ModelData.from_bucket(self.models_bucket, key))
        return Model(self.stack, model_id, role=self.role, **props)

    def endpoint_config(self, settings: dict, models: dict | None = None) -> EndpointConfig:
        endpoint_settings = EndpointSettings.model_validate(settings)
        if models is None:
            models = {name: self.model(f"{name.capitalize()}Model", network_isolation=endpoint_settings.serverless is None)
                      for name in set(endpoint_settings.model_names)}
        config = adapter.endpoint_config(self.stack, "Config", name="test", settings=endpoint_settings, models=models,
                                         data=self.data(), execution_role=self.role)
        config.settings = endpoint_settings  # for the tests' own bookkeeping
        return config

    def endpoint(self, settings: dict, **props) -> Endpoint:
        config = self.endpoint_config(settings)
        endpoint_settings = config.settings
        props.setdefault("deployment", adapter.deployment(endpoint_settings.deployment))
        alarms = props.pop("alarms", endpoint_settings.alarms)
        props.setdefault("health_alarms", adapter.health_alarms(alarms, self.alarm_action))
        props.setdefault("endpoint_name", ENDPOINT_NAME)
        return Endpoint(self.stack, "Endpoint", endpoint_config=config, **props)

    def data(self) -> DataReferences:
        """The kit's key and buckets where the adapter expects the Data stack's."""
        return DataReferences(key=self.key, models=self.models_bucket, output=self.output_bucket, layout=BucketLayout(),
                              **{name: None for name in _OTHER_REFERENCES})

    def template(self) -> Template:
        return Template.from_stack(self.stack)


def make_kit(stack: Stack) -> Kit:
    """A bare stack's key, buckets, role and alarm topic."""
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


__all__ = ["Kit", "make_kit", "one_variant", "policy_statements", "actions_of", "only", "dumps", "ModelSettings", "EndpointAlarmSettings"]
