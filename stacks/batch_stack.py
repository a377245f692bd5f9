"""The Batch stack: scheduled batch transforms, each schedule -> state machine -> transform job.

It builds its own execution role and its own model resources from the serving config's model settings (the
same image and artifact as the Serving stack), because a model name changes with its artifact and must never
be exported across stacks (ARCHITECTURE.md section 2). From the Data stack it imports only stable ARNs.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnOutput, Stack, aws_iam as iam
from constructs import Construct

from config import EnvironmentConfig
from sagemaker_serving_cdk.rules.batch_naming import state_machine_name
from stacks.data_stack import DataReferences, DataStack
from sagemaker_serving_cdk import SageMakerExecutionRole, ScheduledBatchTransform
from stacks import adapter
from stacks.adapter import construct_id, model_from_config


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
        self.models = {
            name: model_from_config(self, name, config.serving.models[name], role=self.execution_role, data=self.data,
                                    default_model_data_key=config.serving.default_model_data_key)
            for name in used
        }

        self.transforms: dict[str, ScheduledBatchTransform] = {}
        for name, settings in batch.transforms.items():
            transform = ScheduledBatchTransform(
                self,
                construct_id(name),
                name=name,
                model=self.models[settings.model],
                schedule=adapter.schedule_expression(settings.schedule),
                schedule_options=adapter.schedule_options(settings.schedule),
                transform=adapter.transform_options(settings),
                input_bucket=self.data.input,
                output_bucket=self.data.output,
                key=self.data.key,
                alarm_topic=self.data.alarm_topic,
                alarm_topic_key=self.data.alarm_topic_key,
                log_retention=adapter.retention(batch.log_retention_days),
                log_group_prefix=log_group_prefix,
                state_machine_name=batch_state_machine_name(config, name),
                environment_name=config.name,
                job_tags=config.tags,
            )
            self.transforms[name] = transform
            CfnOutput(self, f"{construct_id(name)}StateMachineArn", value=transform.state_machine_arn,
                      description=f"Start the {name} transform now: aws stepfunctions start-execution "
                                  "--state-machine-arn <this> --input '{\"date\": \"YYYY-MM-DD\"}'")


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


def batch_state_machine_name(config: EnvironmentConfig, transform: str) -> str:
    """The transform's state machine name in this environment (see batch_naming.state_machine_name)."""
    return state_machine_name(config.name_prefix, transform)
