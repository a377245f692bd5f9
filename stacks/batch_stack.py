"""The Batch stack: scheduled batch transforms, each schedule -> state machine -> transform job.

It builds its own execution role and its own model resources from the serving config's model settings (the
same image and artifact as the Serving stack), because a model name changes with its artifact and must never
be exported across stacks (guide section 2). From the Data stack it imports only stable ARNs.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnOutput, Stack, aws_ecr as ecr, aws_iam as iam
from constructs import Construct

from config import EnvironmentConfig
from config.serving import ModelSettings
from ml_constructs.batch_transform import ScheduledBatchTransform
from ml_constructs.execution_role import SageMakerExecutionRole
from ml_constructs.framework_images import framework_image
from ml_constructs.model import ModelData, ModelImage, SageMakerModel
from stacks.data_stack import DataReferences, DataStack
from stacks.serving_stack import REGISTRY_PACKAGE_FRAMEWORK, _existing, construct_id


class BatchStack(Stack):
    """One environment's scheduled transforms, built from `config.batch`.

    Exposes `transforms` (name -> ScheduledBatchTransform), `models` (model name -> SageMakerModel) and
    `execution_role`.
    """

    def __init__(self, scope: Construct, construct_id_: str, *, config: EnvironmentConfig, data: DataStack,
                 **kwargs) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        batch = config.batch
        self.data: DataReferences = data.references(self)
        log_group_prefix = f"{config.name_prefix}-batch"
        _allow_log_encryption(data, log_group_prefix)

        self.execution_role = SageMakerExecutionRole(
            self,
            "ExecutionRole",
            model_bucket=self.data.models,
            input_bucket=self.data.input,
            output_bucket=self.data.output,
            description="Runs the models of scheduled batch transform jobs",
        )
        used = sorted({transform.model for transform in batch.transforms.values()})
        self.models = {name: self._model(name, config.serving.models[name], config.serving.default_model_data_key)
                       for name in used}

        self.transforms: dict[str, ScheduledBatchTransform] = {}
        for name, settings in batch.transforms.items():
            transform = ScheduledBatchTransform(
                self,
                construct_id(name),
                name=name,
                settings=settings,
                model_name=self.models[settings.model].model_name,
                execution_role=self.execution_role,
                input_bucket=self.data.input,
                output_bucket=self.data.output,
                data_key=self.data.key,
                alarm_topic=self.data.alarm_topic,
                log_retention_days=batch.log_retention_days,
                log_group_prefix=log_group_prefix,
                environment_name=config.name,
                job_tags=config.tags,
            )
            self.transforms[name] = transform
            CfnOutput(self, f"{construct_id(name)}StateMachineArn", value=transform.state_machine_arn,
                      description=f"Start the {name} transform now: aws stepfunctions start-execution "
                                  "--state-machine-arn <this> --input '{\"date\": \"YYYY-MM-DD\"}'")

    def _model(self, name: str, settings: ModelSettings, default_key: str) -> SageMakerModel:
        # The same construction as ServingStack._model, so both stacks run the same image and artifact.
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
            model_data = ModelData.from_asset(str(_existing(settings.model_data_asset)))
        else:
            model_data = ModelData.from_bucket(self.data.models, settings.model_data_key or default_key)
        return SageMakerModel(self, model_id, image=self._image(model_id, settings), model_data=model_data, **common)

    def _image(self, model_id: str, settings: ModelSettings) -> ModelImage:
        image = settings.image
        if image.kind == "framework":
            return ModelImage.from_framework(image.framework, image.version, python_version=image.python_version)
        if image.kind == "ecr":
            repository = ecr.Repository.from_repository_name(self, f"{model_id}Repository", image.repository_name)
            return ModelImage.from_ecr_repository(repository, tag=image.tag, digest=image.digest)
        return ModelImage.from_asset(str(_existing(image.directory)))


def _allow_log_encryption(data: DataStack, log_group_prefix: str) -> None:
    """Let CloudWatch Logs use the data key for the state machines' log groups (and no other log group)."""
    log_groups = data.format_arn(service="logs", resource="log-group",
                                 resource_name=f"/aws/vendedlogs/states/{log_group_prefix}-*",
                                 arn_format=ArnFormat.COLON_RESOURCE_NAME)
    data.key.add_to_resource_policy(iam.PolicyStatement(
        sid="BatchStateMachineLogs",
        principals=[iam.ServicePrincipal(f"logs.{data.region}.amazonaws.com")],
        actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources=["*"],  # in a key policy, "*" means this key
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
    ))
