"""The Serving stack: execution role, models, endpoint configs, endpoints, autoscaling and endpoint alarms.

It changes with every model release. It takes the Data stack's buckets, key, registry and alarm topic by
reference (CloudFormation exports of stable ARNs and names); no model or endpoint-config name leaves this
stack (guide section 2).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack, aws_ecr as ecr
from constructs import Construct

from config import EnvironmentConfig
from config.serving import ModelSettings
from inference_code.framework import SKLEARN_FRAMEWORK_VERSION
from ml_constructs.autoscaling import VariantAutoscaling
from ml_constructs.endpoint import InferenceEndpoint
from ml_constructs.endpoint_config import EndpointConfiguration
from ml_constructs.execution_role import SageMakerExecutionRole
from ml_constructs.framework_images import framework_image
from ml_constructs.model import ModelData, ModelImage, SageMakerModel
from stacks.data_stack import DataReferences, DataStack
from stacks.paths import PROJECT_ROOT

# The image registry packages are registered with (the training side builds on the handler's image).
REGISTRY_PACKAGE_FRAMEWORK = ("sklearn", SKLEARN_FRAMEWORK_VERSION)


def construct_id(name: str) -> str:
    """`multi-model` -> `MultiModel`: config keys become construct ids, so renaming one replaces resources."""
    return "".join(part.capitalize() for part in name.split("-"))


class ServingStack(Stack):
    """One environment's endpoints, built from `config.serving`."""

    def __init__(self, scope: Construct, construct_id_: str, *, config: EnvironmentConfig, data: DataStack,
                 **kwargs) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        serving = config.serving
        self.data: DataReferences = data.references(self)
        data = self.data
        self.execution_role = SageMakerExecutionRole(
            self,
            "ExecutionRole",
            model_bucket=data.models,
            input_bucket=data.input,
            output_bucket=data.output,
        )
        used = {name for endpoint in serving.endpoints.values() for name in endpoint.model_names}
        self.models = {
            name: self._model(name, settings, serving.default_model_data_key)
            for name, settings in serving.models.items()
            if name in used
        }
        self.endpoints: dict[str, InferenceEndpoint] = {}
        for name, settings in serving.endpoints.items():
            prefix = construct_id(name)
            endpoint_config = EndpointConfiguration(
                self,
                f"{prefix}Config",
                settings=settings,
                models=self.models,
                role=self.execution_role,
                label=name,
                volume_key=data.key,
                output_bucket=data.output,
                data_key=data.key,
                layout=data.layout,
            )
            endpoint = InferenceEndpoint(
                self,
                f"{prefix}Endpoint",
                endpoint_config=endpoint_config,
                alarm_action=data.alarm_action,
                deployment=settings.deployment,
                alarms=settings.alarms,
            )
            for variant in settings.variants:
                if variant.autoscaling is not None:
                    VariantAutoscaling(self, f"{prefix}{construct_id(variant.name)}Scaling", endpoint=endpoint,
                                       variant=variant, is_async=endpoint_config.is_async)
            self.endpoints[name] = endpoint
            CfnOutput(self, f"{prefix}EndpointName", value=endpoint.endpoint_name,
                      description=f"The {name} endpoint (invoke it by this name)")

    def _model(self, name: str, settings: ModelSettings, default_key: str) -> SageMakerModel:
        models_bucket = self.data.models
        common = dict(
            role=self.execution_role,
            environment=settings.environment or None,
            network_isolation=settings.network_isolation,
            subnet_ids=settings.vpc.subnet_ids if settings.vpc else (),
            security_group_ids=settings.vpc.security_group_ids if settings.vpc else (),
        )
        model_id = f"{construct_id(name)}Model"
        if settings.is_registry_package:
            framework, version = REGISTRY_PACKAGE_FRAMEWORK
            self.execution_role.grant_image_pull([framework_image(framework, version, self.region).repository_arn])
            return SageMakerModel(self, model_id, model_package_arn=self.data.registry.model_package_arn(
                settings.model_package_version), **common)

        if settings.model_data_asset is not None:
            data = ModelData.from_asset(str(_existing(settings.model_data_asset)))
        elif settings.multi_model_prefix is not None:
            data = ModelData.multi_model(models_bucket, settings.multi_model_prefix)
        else:
            data = ModelData.from_bucket(models_bucket, settings.model_data_key or default_key)
        return SageMakerModel(self, model_id, image=self._image(model_id, settings), model_data=data, **common)

    def _image(self, model_id: str, settings: ModelSettings) -> ModelImage:
        image = settings.image
        if image.kind == "framework":
            return ModelImage.from_framework(image.framework, image.version, python_version=image.python_version)
        if image.kind == "ecr":
            repository = ecr.Repository.from_repository_name(self, f"{model_id}Repository", image.repository_name)
            return ModelImage.from_ecr_repository(repository, tag=image.tag, digest=image.digest)
        return ModelImage.from_asset(str(_existing(image.directory)))


def _existing(relative: str) -> Path:
    path = PROJECT_ROOT / relative
    if not path.exists():
        hint = " (build it with `make build/demo-model.tar.gz`)" if relative.startswith("build/") else ""
        raise FileNotFoundError(f"{relative} does not exist under {PROJECT_ROOT}{hint}")
    return path
