"""Where each runtime path acts, read from the resolved templates: which role (or service) does what to
which concrete ARN, with the request context AWS sends. The rows in requirements.py name these finders."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterator, Optional

from config.serving import async_paths
from sagemaker_serving_cdk import BucketLayout
from sagemaker_serving_cdk.rules.images import framework_image
from stacks.adapter import REGISTRY_PACKAGE_FRAMEWORK
from tests.permissions.evaluator import Principal
from tests.environments import BY_STAGE
from tests.permissions.world import PARTITION, StackTemplate, World

_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[^:@]+)")
# The objects a runtime path touches under a prefix (any name does: grants are per prefix).
_OBJECT = "example-object"
LAYOUT = BucketLayout()


@dataclass(frozen=True)
class Target:
    """One concrete request of a runtime path: `principal` does the row's actions on `resource`."""

    principal: Principal
    resource: str
    what: str
    """Which resource of which stack this comes from, for failure messages."""
    context: dict = field(default_factory=dict)
    identity: Optional[tuple] = None
    """Identity statements of a principal the templates do not define (a hypothetical caller)."""


# ------------------------------------------------------------------------------------------------ helpers

def stage_stacks(world: World, stage: str) -> list[StackTemplate]:
    return [s for s in world.stacks if s.label.startswith(f"{stage}/")]


def find(world: World, stage: str, kind: str) -> Iterator[tuple[StackTemplate, str, dict]]:
    for stack, logical_id, props in world.find(kind):
        if stack.label.startswith(f"{stage}/"):
            yield stack, logical_id, props


def role(arn: str) -> Principal:
    return Principal(arn=arn)


def s3_object_arn(uri: str, name: str = _OBJECT) -> str:
    """`s3://bucket/prefix/` -> the ARN of an object under it; `s3://bucket/key` (no trailing slash) -> that key."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not key or key.endswith("/"):
        key = f"{key}{name}"
    return f"arn:{PARTITION}:s3:::{bucket}/{key}"


def bucket_key(world: World, object_arn: str) -> Optional[str]:
    """The KMS key ARN a bucket of ours encrypts with by default (None: not ours, or not SSE-KMS)."""
    bucket = object_arn.split(":::", 1)[1].split("/", 1)[0]
    for stack, logical_id, props in world.find("AWS::S3::Bucket"):
        if world.attribute(stack, logical_id, "Ref") == bucket:
            rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
            return next((r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID") for r in rules), None)
    return None


def object_keys(world: World, stage: str, objects: list[Target]) -> list[Target]:
    """For S3 object targets: the same principal on the KMS key of each object's bucket (via S3), where the
    bucket is ours and SSE-KMS (the CDK asset bucket uses S3-managed keys)."""
    keys = []
    for target in objects:
        key = bucket_key(world, target.resource)
        if key:
            stack = next(s for s in stage_stacks(world, stage) if target.what.startswith(s.label))
            keys.append(Target(target.principal, key, target.what, via("s3", stack)))
    return keys


def via(service: str, stack: StackTemplate) -> dict:
    """The context of a KMS request a service makes on the caller's behalf (kms:ViaService)."""
    return {"kms:ViaService": f"{service}.{stack.region}.amazonaws.com"}


def service(name: str, stack: StackTemplate, source_arn: str) -> tuple[Principal, dict]:
    return Principal(service=name), {"aws:SourceAccount": stack.account, "aws:SourceArn": source_arn}


def _arn(service_name: str, stack: StackTemplate, resource: str) -> str:
    return f"arn:{PARTITION}:{service_name}:{stack.region}:{stack.account}:{resource}"


# ------------------------------------------------------------------------------------------------ models

def _models(world: World, stage: str):
    for stack, logical_id, props in find(world, stage, "AWS::SageMaker::Model"):
        yield stack, logical_id, props, props["PrimaryContainer"]


def _package_image(stack: StackTemplate) -> str:
    # A registry package is registered with the handler's framework image (stacks.adapter).
    framework, version = REGISTRY_PACKAGE_FRAMEWORK
    return framework_image(framework, version, stack.region).uri


def image_repositories(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props, container in _models(world, stage):
        image = container.get("Image") or (_package_image(stack) if "ModelPackageName" in container else None)
        match = _IMAGE.match(image or "")
        if not match:
            raise ValueError(f"{stack.label}/{logical_id}: cannot tell the ECR repository of image {image!r}")
        repository = f"arn:{PARTITION}:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"
        targets.append(Target(role(props["ExecutionRoleArn"]), repository, f"{stack.label}/{logical_id} image"))
    return targets


def registry_authorization(world: World, stage: str) -> list[Target]:
    return [Target(role(props["ExecutionRoleArn"]), "*", f"{stack.label}/{logical_id}")
            for stack, logical_id, props, _ in _models(world, stage)]


def _artifact_uri(world: World, stack: StackTemplate, container: dict) -> str:
    if "ModelPackageName" in container:
        # The release path uploads a package's artifact to the stage's model bucket under models/.
        (data,) = [s for s in world.stacks if s.label == stack.label.rsplit("/", 1)[0] + "/Data"]
        bucket = world.resolve(data, data.template["Outputs"]["ModelBucketName"]["Value"])
        return f"s3://{bucket}/{LAYOUT.model_prefix}"
    return container["ModelDataUrl"]


def model_artifacts(world: World, stage: str) -> list[Target]:
    return [Target(role(props["ExecutionRoleArn"]), s3_object_arn(_artifact_uri(world, stack, container),
                                                                  "model.tar.gz"),
                   f"{stack.label}/{logical_id} artifact")
            for stack, logical_id, props, container in _models(world, stage)]


def model_artifact_keys(world: World, stage: str) -> list[Target]:
    return object_keys(world, stage, model_artifacts(world, stage))


def _log_group(stack: StackTemplate) -> str:
    kind = "TransformJobs" if stack.label.endswith("/Batch") else "Endpoints"
    return f"/aws/sagemaker/{kind}"


def container_logs(world: World, stage: str) -> list[Target]:
    return [Target(role(props["ExecutionRoleArn"]),
                   _arn("logs", stack, f"log-group:{_log_group(stack)}/{_OBJECT}:log-stream:{_OBJECT}"),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, props, _ in _models(world, stage)]


def container_metrics(world: World, stage: str) -> list[Target]:
    return [Target(role(props["ExecutionRoleArn"]), "*", f"{stack.label}/{logical_id}",
                   {"cloudwatch:namespace": _log_group(stack)})
            for stack, logical_id, props, _ in _models(world, stage)]


# ------------------------------------------------------------------------------------------------ endpoints

def _config_roles(world: World, stack: StackTemplate, props: dict) -> list[str]:
    """Execution roles of the models an endpoint config's variants serve, and its own (a component host's)."""
    names = {v["ModelName"] for v in props["ProductionVariants"] if "ModelName" in v}
    roles = {m["ExecutionRoleArn"] for s, lid, m in world.find("AWS::SageMaker::Model")
             if s is stack and world.attribute(s, lid, "ModelName") in names}
    return sorted(roles | ({props["ExecutionRoleArn"]} if "ExecutionRoleArn" in props else set()))


def _configs(world: World, stage: str, section: str):
    for stack, logical_id, props in find(world, stage, "AWS::SageMaker::EndpointConfig"):
        if section in props:
            for arn in _config_roles(world, stack, props):
                yield stack, logical_id, props, role(arn)


def async_outputs(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props, principal in _configs(world, stage, "AsyncInferenceConfig"):
        output = props["AsyncInferenceConfig"]["OutputConfig"]
        for path in (output["S3OutputPath"], output.get("S3FailurePath")):
            if path:
                targets.append(Target(principal, s3_object_arn(path), f"{stack.label}/{logical_id}"))
    return targets


def async_output_keys(world: World, stage: str) -> list[Target]:
    return [Target(principal, props["AsyncInferenceConfig"]["OutputConfig"]["KmsKeyId"], f"{stack.label}/{logical_id}",
                   via("s3", stack))
            for stack, logical_id, props, principal in _configs(world, stage, "AsyncInferenceConfig")]


def async_input_uri(world: World, stage: str, stack: StackTemplate, endpoint: dict) -> str:
    """Where callers (tools.ops invoke, the smoke test) upload an async endpoint's requests:
    async/<endpoint>/input/ in the stage's input bucket (config.serving.async_paths)."""
    env = BY_STAGE[stage]
    name = world.resolve(stack, endpoint["EndpointName"])
    key = next(key for key in env.serving.endpoints if env.endpoint_name(key) == name)
    bucket_arn = world.resolve(stack, {"Fn::ImportValue": f"{env.name_prefix}-InputBucketArn"})
    prefix = async_paths(key, env.serving.endpoints[key].async_inference).input_prefix
    return f"s3://{bucket_arn.split(':::', 1)[1]}/{prefix}"


def async_inputs(world: World, stage: str) -> list[Target]:
    return [Target(role(arn), s3_object_arn(async_input_uri(world, stage, stack, props)), f"{stack.label}/{logical_id}")
            for stack, logical_id, props, config in _endpoints(world, stage, asynchronous=True)
            for arn in _config_roles(world, stack, config)]


def async_input_keys(world: World, stage: str) -> list[Target]:
    return object_keys(world, stage, async_inputs(world, stage))


def async_topics(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props, principal in _configs(world, stage, "AsyncInferenceConfig"):
        notification = props["AsyncInferenceConfig"]["OutputConfig"].get("NotificationConfig", {})
        for key in ("SuccessTopic", "ErrorTopic"):
            if key in notification:
                targets.append(Target(principal, notification[key], f"{stack.label}/{logical_id} {key}"))
    return targets


def topic_keys_of(world: World, targets: list[Target]) -> list[Target]:
    """The KMS key of each target topic that has one (publishing to an SSE-KMS topic uses it)."""
    found = []
    for target in targets:
        key = world.topics[target.resource].get("KmsMasterKeyId")
        if key:
            found.append(Target(target.principal, key, f"{target.what} key", target.context))
    return found


def async_topic_keys(world: World, stage: str) -> list[Target]:
    return topic_keys_of(world, async_topics(world, stage))


def data_capture(world: World, stage: str) -> list[Target]:
    return [Target(principal, s3_object_arn(props["DataCaptureConfig"]["DestinationS3Uri"]),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, props, principal in _configs(world, stage, "DataCaptureConfig")]


def data_capture_keys(world: World, stage: str) -> list[Target]:
    return [Target(principal, props["DataCaptureConfig"]["KmsKeyId"], f"{stack.label}/{logical_id}", via("s3", stack))
            for stack, logical_id, props, principal in _configs(world, stage, "DataCaptureConfig")]


def endpoint_config_of(world: World, stack: StackTemplate, endpoint: dict) -> dict:
    (config,) = [p for s, lid, p in world.find("AWS::SageMaker::EndpointConfig")
                 if s is stack and world.attribute(s, lid, "EndpointConfigName") == endpoint["EndpointConfigName"]]
    return config


def rollback_alarms(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props in find(world, stage, "AWS::SageMaker::Endpoint"):
        alarms = props.get("DeploymentConfig", {}).get("AutoRollbackConfiguration", {}).get("Alarms", [])
        for arn in _config_roles(world, stack, endpoint_config_of(world, stack, props)):
            for alarm in alarms:
                targets.append(Target(role(arn), _arn("cloudwatch", stack, f"alarm:{alarm['AlarmName']}"),
                                      f"{stack.label}/{logical_id}"))
    return targets


# ------------------------------------------------------------------------------------------------ components

def _components(world: World, stage: str):
    """(stack, logical id, props, the host config's execution role, the model's properties) per component."""
    for stack, logical_id, props in find(world, stage, "AWS::SageMaker::InferenceComponent"):
        (endpoint,) = [p for s, lid, p in world.find("AWS::SageMaker::Endpoint")
                       if s is stack and p["EndpointName"] == props["EndpointName"]]
        host_role = endpoint_config_of(world, stack, endpoint)["ExecutionRoleArn"]
        (model,) = [m for s, lid, m in world.find("AWS::SageMaker::Model")
                    if s is stack and world.attribute(s, lid, "ModelName") == props["Specification"]["ModelName"]]
        yield stack, logical_id, props, role(host_role), model


def component_images(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, _, host_role, model in _components(world, stage):
        match = _IMAGE.match(model["PrimaryContainer"].get("Image") or _package_image(stack))
        repository = f"arn:{PARTITION}:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"
        targets.append(Target(host_role, repository, f"{stack.label}/{logical_id} image"))
    return targets


def component_artifacts(world: World, stage: str) -> list[Target]:
    return [Target(host_role, s3_object_arn(_artifact_uri(world, stack, model["PrimaryContainer"]), "model.tar.gz"),
                   f"{stack.label}/{logical_id} artifact")
            for stack, logical_id, _, host_role, model in _components(world, stage)]


def component_artifact_keys(world: World, stage: str) -> list[Target]:
    return object_keys(world, stage, component_artifacts(world, stage))


def component_rollback_alarms(world: World, stage: str) -> list[Target]:
    return [Target(host_role, _arn("cloudwatch", stack, f"alarm:{alarm['AlarmName']}"), f"{stack.label}/{logical_id}")
            for stack, logical_id, props, host_role, _ in _components(world, stage)
            for alarm in props.get("DeploymentConfig", {}).get("AutoRollbackConfiguration", {}).get("Alarms", [])]


def core_dumps(world: World, stage: str) -> list[Target]:
    return [Target(role(arn), s3_object_arn(variant["CoreDumpConfig"]["DestinationS3Uri"]), f"{stack.label}/{logical_id}")
            for stack, logical_id, props in find(world, stage, "AWS::SageMaker::EndpointConfig")
            for variant in props["ProductionVariants"] if "CoreDumpConfig" in variant
            for arn in _config_roles(world, stack, props)]


def core_dump_keys(world: World, stage: str) -> list[Target]:
    return [Target(role(arn), variant["CoreDumpConfig"]["KmsKeyId"], f"{stack.label}/{logical_id}", via("s3", stack))
            for stack, logical_id, props in find(world, stage, "AWS::SageMaker::EndpointConfig")
            for variant in props["ProductionVariants"] if "CoreDumpConfig" in variant
            for arn in _config_roles(world, stack, props)]


# ------------------------------------------------------------------------------------------------ deployment events

def deployment_event_topics(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props in find(world, stage, "AWS::Events::Rule"):
        rule_arn = world.attribute(stack, logical_id, "Arn")
        for target in props.get("Targets", []):
            if target["Arn"].startswith(f"arn:{PARTITION}:sns:"):
                principal, context = service("events.amazonaws.com", stack, rule_arn)
                targets.append(Target(principal, target["Arn"], f"{stack.label}/{logical_id}", context))
    return targets


def deployment_event_topic_keys(world: World, stage: str) -> list[Target]:
    # EventBridge's KMS requests for an SSE-KMS topic carry no source account or ARN (SNS developer guide).
    return [Target(t.principal, t.resource, t.what) for t in topic_keys_of(world, deployment_event_topics(world, stage))]


def smoke_describe_components(world: World, stage: str) -> list[Target]:
    return [Target(role(_smoke_role(world, stage)), world.attribute(stack, logical_id, "InferenceComponentArn"),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, _, _, _ in _components(world, stage)]


# ------------------------------------------------------------------------------------------------ batch

def schedule_role_trust(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props in find(world, stage, "AWS::Scheduler::Schedule"):
        group = props.get("GroupName", "default")
        principal, context = service("scheduler.amazonaws.com", stack, _arn("scheduler", stack, f"schedule-group/{group}"))
        targets.append(Target(principal, props["Target"]["RoleArn"], f"{stack.label}/{logical_id}", context))
    return targets


def schedule_targets(world: World, stage: str) -> list[Target]:
    return [Target(role(props["Target"]["RoleArn"]), props["Target"]["Arn"], f"{stack.label}/{logical_id}")
            for stack, logical_id, props in find(world, stage, "AWS::Scheduler::Schedule")]


def _state_machines(world: World, stage: str):
    for stack, logical_id, props in find(world, stage, "AWS::StepFunctions::StateMachine"):
        yield stack, logical_id, props, json.loads(props["DefinitionString"])


def _states(definition: dict) -> Iterator[dict]:
    for state in definition["States"].values():
        yield state
        for branch in state.get("Branches", []):
            yield from _states(branch)


def state_machine_trust(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props, _ in _state_machines(world, stage):
        principal, context = service("states.amazonaws.com", stack, world.attribute(stack, logical_id, "Arn"))
        targets.append(Target(principal, props["RoleArn"], f"{stack.label}/{logical_id}", context))
    return targets


def _job_tasks(world: World, stage: str):
    for stack, logical_id, props, definition in _state_machines(world, stage):
        for state in _states(definition):
            if state.get("Resource", "").endswith(":sagemaker:createTransformJob.sync"):
                yield stack, logical_id, props, definition, state


def _job_name_prefix(state: dict) -> str:
    parameters = state["Parameters"]
    if "TransformJobName" in parameters:
        return parameters["TransformJobName"]
    match = re.match(r"States\.Format\('([A-Za-z0-9-]*?)\{\}", parameters["TransformJobName.$"])
    if not match:
        raise ValueError(f"cannot tell the job names of {parameters['TransformJobName.$']!r}")
    return match.group(1)


def transform_jobs(world: World, stage: str) -> list[Target]:
    return [Target(role(props["RoleArn"]), _arn("sagemaker", stack, f"transform-job/{_job_name_prefix(state)}{_OBJECT}"),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, props, _, state in _job_tasks(world, stage)]


def transform_job_events(world: World, stage: str) -> list[Target]:
    return [Target(role(props["RoleArn"]), _arn("events", stack, "rule/StepFunctionsGetEventsForSageMakerTransformJobsRule"),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, props, _, _ in _job_tasks(world, stage)]


def _formatted_uris(definition: dict, field_name: str) -> list[str]:
    """`s3://bucket/batch/x/{}/` templates the definition builds (States.Format) for `inputUri`/`outputUri`."""
    uris = []
    for state in _states(definition):
        value = state.get("Parameters", {}).get(f"{field_name}.$", "")
        match = re.match(r"States\.Format\('(s3://[^']*?)\{\}", value)
        if match:
            uris.append(match.group(1) + "2026-11-21/")
    if not uris:
        raise ValueError(f"no {field_name} in the state machine definition")
    return uris


def _job_model_role(world: World, stack: StackTemplate, state: dict) -> str:
    (arn,) = [m["ExecutionRoleArn"] for s, lid, m in world.find("AWS::SageMaker::Model")
              if s is stack and world.attribute(s, lid, "ModelName") == state["Parameters"]["ModelName"]]
    return arn


def transform_inputs(world: World, stage: str) -> list[Target]:
    return [Target(role(_job_model_role(world, stack, state)), s3_object_arn(uri), f"{stack.label}/{logical_id}")
            for stack, logical_id, _, definition, state in _job_tasks(world, stage)
            for uri in _formatted_uris(definition, "inputUri")]


def transform_outputs(world: World, stage: str) -> list[Target]:
    return [Target(role(_job_model_role(world, stack, state)), s3_object_arn(uri, f"{_OBJECT}.out"),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, _, definition, state in _job_tasks(world, stage)
            for uri in _formatted_uris(definition, "outputUri")]


def transform_input_keys(world: World, stage: str) -> list[Target]:
    return object_keys(world, stage, transform_inputs(world, stage))


def transform_output_keys(world: World, stage: str) -> list[Target]:
    return [Target(role(_job_model_role(world, stack, state)), state["Parameters"]["TransformOutput"]["KmsKeyId"],
                   f"{stack.label}/{logical_id}", via("s3", stack))
            for stack, logical_id, _, _, state in _job_tasks(world, stage)
            if "KmsKeyId" in state["Parameters"].get("TransformOutput", {})]


def failure_notifications(world: World, stage: str) -> list[Target]:
    return [Target(role(props["RoleArn"]), state["Parameters"]["TopicArn"], f"{stack.label}/{logical_id}")
            for stack, logical_id, props, definition in _state_machines(world, stage)
            for state in _states(definition) if state.get("Resource", "").endswith(":sns:publish")]


def failure_notification_keys(world: World, stage: str) -> list[Target]:
    return topic_keys_of(world, failure_notifications(world, stage))


# ------------------------------------------------------------------------------------------------ alarms

def alarm_topics(world: World, stage: str) -> list[Target]:
    targets = []
    for stack, logical_id, props in find(world, stage, "AWS::CloudWatch::Alarm"):
        actions = {a for key in ("AlarmActions", "OKActions", "InsufficientDataActions") for a in props.get(key, [])}
        alarm_arn = world.attribute(stack, logical_id, "Arn")
        for action in sorted(a for a in actions if a.startswith(f"arn:{PARTITION}:sns:")):
            principal, context = service("cloudwatch.amazonaws.com", stack, alarm_arn)
            targets.append(Target(principal, action, f"{stack.label}/{logical_id}", context))
    return targets


def alarm_topic_keys(world: World, stage: str) -> list[Target]:
    return topic_keys_of(world, alarm_topics(world, stage))


# ------------------------------------------------------------------------------------------------ pipeline

def _pipeline(world: World) -> tuple[StackTemplate, dict]:
    (found,) = [(s, p) for s, lid, p in world.find("AWS::CodePipeline::Pipeline") if s.label == "Pipeline"]
    return found


def _actions(world: World, stage_name: Optional[str] = None) -> Iterator[tuple[StackTemplate, dict, dict]]:
    stack, pipeline = _pipeline(world)
    for pipeline_stage in pipeline["Stages"]:
        if stage_name is None or pipeline_stage["Name"] == stage_name:
            for action in pipeline_stage["Actions"]:
                yield stack, pipeline, action


def connection_use(world: World, stage: str) -> list[Target]:
    """The Source action's role, on the connection ARN (the row picks the action prefix from the ARN)."""
    return [Target(role(action["RoleArn"]), action["Configuration"]["ConnectionArn"], "Pipeline Source action")
            for _, _, action in _actions(world)
            if action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"]


def deploy_roles(world: World, stage: str) -> list[Target]:
    return [Target(role(pipeline["RoleArn"]), action["RoleArn"], f"Pipeline {stage} {action['Name']}")
            for _, pipeline, action in _actions(world, stage) if action["ActionTypeId"]["Category"] == "Deploy"]


def _smoke_step_role(world: World, stage: str) -> tuple[StackTemplate, str]:
    (project_name,) = [a["Configuration"]["ProjectName"] for _, _, a in _actions(world, stage)
                       if a["Name"] == f"SmokeTest{stage}"]
    (found,) = [(s, p["ServiceRole"]) for s, lid, p in world.find("AWS::CodeBuild::Project")
                if world.attribute(s, lid, "Ref") == project_name]
    return found


def _smoke_role(world: World, stage: str) -> str:
    (found,) = [world.attribute(s, lid, "Arn") for s in stage_stacks(world, stage)
                for lid, r in s.resources.items()
                if r["Type"] == "AWS::IAM::Role" and s.label.endswith("/SmokeTestAccess")]
    return found


def smoke_assume(world: World, stage: str) -> list[Target]:
    _, step_role = _smoke_step_role(world, stage)
    return [Target(role(step_role), _smoke_role(world, stage), f"Pipeline SmokeTest{stage} -> {stage} smoke role")]


def smoke_assume_by_others(world: World, stage: str) -> list[Target]:
    """Any other role of the tooling account, even one whose own policy lets it assume any role, must not be
    able to become the stage's smoke-test role: the trust policy names the smoke-test step."""
    stack, _ = _smoke_step_role(world, stage)
    other = f"arn:{PARTITION}:iam::{stack.account}:role/some-other-tooling-role"
    may_assume_anything = ({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},)
    return [Target(role(other), _smoke_role(world, stage), f"{other} -> {stage} smoke role",
                   identity=may_assume_anything)]


def smoke_stacks(world: World, stage: str) -> list[Target]:
    """The smoke test reads the Data stack's outputs (the input bucket's name) for its async probes only."""
    if not any(_endpoints(world, stage, asynchronous=True)):
        return []
    return [Target(role(_smoke_role(world, stage)), _arn("cloudformation", s, f"stack/{s.name}/{_OBJECT}"), s.label)
            for s in stage_stacks(world, stage) if s.label == f"{stage}/Data"]


def _endpoints(world: World, stage: str, *, asynchronous: bool):
    for stack, logical_id, props in find(world, stage, "AWS::SageMaker::Endpoint"):
        config = endpoint_config_of(world, stack, props)
        if ("AsyncInferenceConfig" in config) == asynchronous:
            yield stack, logical_id, props, config


def smoke_invoke(world: World, stage: str) -> list[Target]:
    return [Target(role(_smoke_role(world, stage)), world.attribute(stack, logical_id, "Ref"), f"{stack.label}/{logical_id}")
            for stack, logical_id, _, _ in _endpoints(world, stage, asynchronous=False)]


def smoke_invoke_async(world: World, stage: str) -> list[Target]:
    return [Target(role(_smoke_role(world, stage)), world.attribute(stack, logical_id, "Ref"), f"{stack.label}/{logical_id}")
            for stack, logical_id, _, _ in _endpoints(world, stage, asynchronous=True)]


def smoke_async_input(world: World, stage: str) -> list[Target]:
    return [Target(role(_smoke_role(world, stage)), s3_object_arn(async_input_uri(world, stage, stack, props)),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, props, _ in _endpoints(world, stage, asynchronous=True)]


def smoke_async_result(world: World, stage: str) -> list[Target]:
    return [Target(role(_smoke_role(world, stage)), s3_object_arn(config["AsyncInferenceConfig"]["OutputConfig"][path]),
                   f"{stack.label}/{logical_id}")
            for stack, logical_id, _, config in _endpoints(world, stage, asynchronous=True)
            for path in ("S3OutputPath", "S3FailurePath") if path in config["AsyncInferenceConfig"]["OutputConfig"]]


def smoke_async_keys(world: World, stage: str) -> list[Target]:
    return object_keys(world, stage, smoke_async_input(world, stage) + smoke_async_result(world, stage))
