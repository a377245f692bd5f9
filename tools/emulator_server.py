"""moto's server with the few fixes the CDK's templates need, run as its own process by tools.local_emulator.

Usage: python -m tools.emulator_server -H 127.0.0.1 -p PORT   (the arguments are moto's own)

Each fix makes the emulator behave more like CloudFormation does; none changes the templates or the CDK CLI.
What moto 5.2.5 gets wrong without them, found by deploying the Dev stage:

1. `AWS::KMS::Key` with `Tags` (every tagged stack has them): moto hands CloudFormation's `Key`/`Value`
   tags to the KMS tagger, which expects `TagKey`/`TagValue`, and ExecuteChangeSet answers HTTP 500. It
   also stores the template's `KeyPolicy` object where the API keeps a JSON string, so every later call
   that checks the key policy (DescribeKey, Encrypt, ...) answers HTTP 500. And a
   key deleted with its stack vanishes at once; CloudFormation schedules its deletion (`PendingDeletion`
   for the template's `PendingWindowInDays`), which is what a removal-policy test must see.
2. Change sets (the CDK CLI deploys with them): a failing ExecuteChangeSet leaves the stack
   `CREATE_COMPLETE` with half its resources, so the CLI reports success. Here the stack ends
   `ROLLBACK_COMPLETE` / `UPDATE_ROLLBACK_COMPLETE` with the error as the event reason, and `cdk deploy`
   fails as on AWS (resources already made are not rolled back: the emulator is thrown away after use).
   A stack created by a change set also has no outputs and publishes no exports, and cannot import
   another stack's exports; here it does all three, as a stack made by CreateStack does.
3. Lambda-backed custom resources: moto runs their Lambda in Docker (none here), never waits for the
   answer on the change-set path, and never sends Delete. Custom resource types listed in LOCAL_PROVIDERS
   are answered in-process by a Python port of the CDK provider's handler (same contract: what Create,
   Update and Delete do). Any other custom resource type fails the deployment and names itself, rather
   than pretending to exist.

4. `AWS::CloudWatch::Alarm`: moto has no CloudFormation model for it, so an alarm is skipped, and any
   `Fn::GetAtt` of its `Arn` (the dashboard's alarm-status widget has them) fails the whole stack with
   "references undefined resource". Here alarms are created in moto's CloudWatch, from the same
   properties PutMetricAlarm takes (metric-math alarms included), and deleted with their stack; their
   state only changes when a test sets it (moto evaluates no metrics).
5. `AWS::IAM::ManagedPolicy` has no delete in moto's CloudFormation: deleting its stack leaves it
   attached, and deleting the role then fails ("must detach all policies first"). Here the policy is
   detached from its roles and deleted, as CloudFormation does.
6. `AWS::SageMaker::Endpoint` with `EndpointName`: moto ignores the property and generates a name, so an
   endpoint is not found by the stable name the template gives it. Here the property names it, as in
   CloudFormation (a template without it still gets a generated name).

6.-10., 16. SageMaker: CreateModel checks its model data, endpoint configs take every instance type SageMaker
   accepts, model package groups, invocations and transform jobs that run the model in its image's own serving
   code (tools.serving_runtime; the servers are this process's children, stopped when it stops), and Step
   Functions executions including the transform-job .sync integration: see tools/emulator_sagemaker.py.

11. Termination protection: moto has no UpdateTerminationProtection (the CDK CLI calls it after deploying a
   stack with `terminationProtection`, so Staging and Prod could not deploy), and DeleteStack ignored the flag.
   Here the call sets it, DescribeStacks reports it, and DeleteStack of a protected stack fails with
   CloudFormation's message, so a destroy must switch it off first, as an operator must on AWS.

12.-14. SageMaker inference components: endpoint configs whose variant hosts components (no ModelName, an
   ExecutionRoleArn), the InferenceComponent API and `AWS::SageMaker::InferenceComponent`, and invocations routed
   by InferenceComponentName with SageMaker's answers for a component scaled to zero: see
   tools/emulator_inference_components.py.

15. Change sets belong to their stack: moto looked them up by name across all stacks (every CDK deploy names
   its change set `cdk-deploy-change-set`), and a missing one was "Stack with id ... does not exist" where
   CloudFormation answers ChangeSetNotFound ("ChangeSet [name] does not exist"). Before updating a stack the
   CDK CLI deletes the previous change set and waits for exactly that error, so redeploying any changed stack
   failed. Here DescribeChangeSet, DeleteChangeSet and ExecuteChangeSet act on the named stack's (newest) change
   set, DeleteChangeSet of a missing change set succeeds when the stack exists, and a missing one is
   ChangeSetNotFound. And an update's `UsePreviousValue` of an SSM-typed parameter (the CDK's BootstrapVersion)
   reuses the parameter name, as CloudFormation keeps it (moto reused the resolved value and failed the update
   looking it up as a name).

Everything else moto skips (autoscaling, schedules, bucket policies, ...) stays skipped; tools.deploy_local
lists it after every deploy so nobody believes it was deployed.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Callable, Optional

logger = logging.getLogger("emulator")

AUTO_DELETE_TAG = "aws-cdk:auto-delete-objects"


class UnsupportedCustomResource(Exception):
    """A custom resource whose Lambda the emulator cannot run and that has no local provider."""


# ---------------------------------------------------------------------------------------------------------
# Local providers for the CDK's own custom resources. Each is a port of the handler the CDK deploys as a
# Lambda; keep them small and faithful, and name the CDK source they follow.


def _s3_backend(account_id: str, region_name: str):
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    return s3_backends[account_id][get_partition(region_name)]


def s3_auto_delete_objects(request_type: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """Port of aws-cdk-lib's custom-resource-handlers `s3/auto-delete-objects-handler` (the index.js in the
    `Custom::S3AutoDeleteObjectsCustomResourceProvider` asset): Create and Update do nothing; Delete empties
    the bucket, but only while it still carries the `aws-cdk:auto-delete-objects=true` tag, and first denies
    new uploads so nothing lands while it empties. A bucket that is already gone is fine."""
    if request_type != "Delete":
        return
    bucket_name = properties.get("BucketName")
    if not bucket_name:
        raise ValueError("No BucketName was provided.")
    from moto.s3.exceptions import MissingBucket

    backend = _s3_backend(account_id, region_name)
    try:
        tag_set = backend.get_bucket_tagging(bucket_name)["Tags"]
    except MissingBucket:
        logger.info("auto-delete: bucket %s does not exist", bucket_name)
        return
    if not any(tag["Key"] == AUTO_DELETE_TAG and tag["Value"] == "true" for tag in tag_set):
        logger.info("auto-delete: bucket %s does not have the %s tag, skipping cleaning", bucket_name, AUTO_DELETE_TAG)
        return
    bucket = backend.get_bucket(bucket_name)
    policy = json.loads(bucket.policy.decode() if bucket.policy else '{"Version":"2012-10-17","Statement":[]}')
    policy["Statement"].append(
        {"Principal": "*", "Effect": "Deny", "Action": ["s3:PutObject"], "Resource": [f"arn:aws:s3:::{bucket_name}/*"]}
    )
    backend.put_bucket_policy(bucket_name, json.dumps(policy).encode())
    # Every version and delete marker, as listObjectVersions + deleteObjects do.
    for name, versions in list(bucket.keys.iterlists()):
        for version in list(versions):
            backend.delete_object(bucket_name, name, version_id=str(version.version_id))
    logger.info("auto-delete: emptied bucket %s", bucket_name)


Provider = Callable[[str, dict[str, Any], str, str], Optional[dict[str, Any]]]
LOCAL_PROVIDERS: dict[str, Provider] = {
    "Custom::S3AutoDeleteObjects": s3_auto_delete_objects,
}


# ---------------------------------------------------------------------------------------------------------
# The patches.


def _patch_kms_keys() -> None:
    from moto.kms.models import Key, kms_backends

    original = Key.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties", {})
        if isinstance(properties.get("KeyPolicy"), dict):
            properties = {**properties, "KeyPolicy": json.dumps(properties["KeyPolicy"])}
            cloudformation_json = {**cloudformation_json, "Properties": properties}
        if properties.get("Tags"):
            properties = {
                **properties,
                "Tags": [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties["Tags"]],
            }
            cloudformation_json = {**cloudformation_json, "Properties": properties}
        key = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        key.pending_window_in_days = int(properties.get("PendingWindowInDays", 30))
        return key

    def delete(self, account_id: str, region_name: str) -> None:
        # CloudFormation schedules a deleted key's deletion after its pending window; moto drops it at once.
        kms_backends[account_id][region_name].schedule_key_deletion(self.id, getattr(self, "pending_window_in_days", 30))

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Key.delete = delete


def _patch_change_sets() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original_create = CloudFormationBackend.create_change_set
    original_execute = CloudFormationBackend.execute_change_set

    def create_change_set(self, *args, **kwargs):
        change_set_id, stack_id = original_create(self, *args, **kwargs)
        # A stack made by a CREATE change set gets no view of the account's exports (Fn::ImportValue fails).
        stack = self.stacks[stack_id]
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
        return change_set_id, stack_id

    def execute_change_set(self, change_set_name: str, stack_name: Optional[str] = None) -> None:
        change_set = self.change_sets.get(change_set_name) or next(
            (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None
        )
        try:
            original_execute(self, change_set_name, stack_name)
        except Exception as error:  # any failure while creating resources, as CloudFormation would report it
            if change_set is None:
                raise
            stack = self.stacks[change_set.stack_id]
            kind = change_set.change_set_type  # CREATE or UPDATE
            reason = f"{type(error).__name__}: {error}"
            logger.error("stack %s: %s failed: %s", stack.name, kind, reason)
            stack._add_stack_event(f"{kind}_FAILED", resource_status_reason=reason)
            stack.status = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event(stack.status, resource_status_reason=reason)
            change_set.execution_status = "EXECUTE_FAILED"
            return None
        # moto keeps the outputs of the template the stack was created with (none, for a change set): read
        # them from the executed template, and publish its exports to the account as CreateStack does.
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        for name in [name for name, export in self.exports.items() if export.exporting_stack_id == stack.stack_id]:
            del self.exports[name]  # this stack's exports from before the update
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export
        return None

    CloudFormationBackend.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set


def _patch_custom_resources() -> None:
    from moto.cloudformation import cloudformation_backends
    from moto.cloudformation.custom_model import CustomModel
    from moto.cloudformation.parsing import ResourceMap
    from moto.moto_api._internal import mock_random

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        resource_type = kwargs["ResourceType"]
        provider = LOCAL_PROVIDERS.get(resource_type)
        if provider is None:
            raise UnsupportedCustomResource(
                f"{kwargs['LogicalId']} ({resource_type}): the emulator cannot run the Lambda behind this custom "
                f"resource (no container runtime) and has no local provider for it; add one to "
                f"tools/emulator_server.py LOCAL_PROVIDERS or leave the resource out of local deploys"
            )
        properties = cloudformation_json.get("Properties", {})
        model = CustomModel(region_name, str(mock_random.uuid4()), kwargs["LogicalId"], resource_name)
        model.properties = properties
        model.account_id = account_id
        model.set_data(provider("Create", properties, account_id, region_name) or {})
        stack = cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
        stack.add_custom_resource(model)
        return model

    CustomModel.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)

    original_delete = ResourceMap.delete

    def delete(self) -> None:
        # CloudFormation deletes a custom resource before what it depends on (its bucket), so run the
        # providers' Delete first; moto itself never sends Delete to a custom resource.
        for logical_id, resource in list(self._parsed_resources.items()):
            if not isinstance(resource, CustomModel):
                continue
            if self._resource_json_map.get(logical_id, {}).get("DeletionPolicy") == "Retain":
                continue
            provider = LOCAL_PROVIDERS[self._resource_json_map[logical_id]["Type"]]
            provider("Delete", resource.properties, resource.account_id, resource.region_name)
        original_delete(self)

    ResourceMap.delete = delete


def _metric_data_queries(metrics: list[dict[str, Any]]):
    """CloudFormation's `Metrics` as moto's MetricDataQuery list (the same shape PutMetricAlarm takes)."""
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    queries = []
    for metric in metrics:
        stat = metric.get("MetricStat")
        metric_stat = None
        if stat:
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=stat["Metric"]["MetricName"],
                    namespace=stat["Metric"].get("Namespace"),
                    dimensions=[Dimension(name=d["Name"], value=d["Value"]) for d in stat["Metric"].get("Dimensions", [])],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(MetricDataQuery(query_id=metric.get("Id"), label=metric.get("Label"), period=metric.get("Period"),
                                       return_data=metric.get("ReturnData"), expression=metric.get("Expression"),
                                       metric_stat=metric_stat))
    return queries


def _patch_cloudwatch_alarms() -> None:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel

    class StackAlarm(CloudFormationModel):
        """An alarm a stack created: moto's Alarm, addressable by CloudFormation (Ref = name, GetAtt Arn)."""

        __module__ = "moto.cloudwatch"  # moto files every model under the service its module names

        def __init__(self, alarm: Any, account_id: str, region_name: str):
            self.alarm, self.account_id, self.region_name = alarm, account_id, region_name

        @property
        def physical_resource_id(self) -> str:
            return self.alarm.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name != "Arn":
                raise KeyError(attribute_name)
            return self.alarm.alarm_arn

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json.get("Properties", {})
            alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=p.get("AlarmName") or resource_name,
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                metric_data_queries=_metric_data_queries(p["Metrics"]) if p.get("Metrics") else None,
                comparison_operator=p.get("ComparisonOperator"),
                evaluation_periods=p.get("EvaluationPeriods"),
                datapoints_to_alarm=p.get("DatapointsToAlarm"),
                period=p.get("Period"),
                threshold=p.get("Threshold"),
                statistic=p.get("Statistic"),
                extended_statistic=p.get("ExtendedStatistic"),
                description=p.get("AlarmDescription"),
                dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                unit=p.get("Unit"),
                actions_enabled=p.get("ActionsEnabled", True),
                treat_missing_data=p.get("TreatMissingData"),
                threshold_metric_id=p.get("ThresholdMetricId"),
            )
            return cls(alarm, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

        def delete(self, account_id: str, region_name: str) -> None:
            cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])

    assert StackAlarm.cloudformation_type() == "AWS::CloudWatch::Alarm"  # registered as a subclass


def _patch_managed_policies() -> None:
    from moto.iam.models import ManagedPolicy, iam_backends
    from moto.utilities.utils import get_partition

    def delete(self, account_id: str, region_name: str) -> None:
        backend = iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if self.arn in role.managed_policies:
                backend.detach_role_policy(self.arn, role.name)
        backend.delete_policy(self.arn)

    ManagedPolicy.delete = delete


def _patch_change_set_names() -> None:
    from moto.cloudformation.exceptions import CloudFormationError, ValidationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFound"  # botocore's ChangeSetNotFoundException (HTTP 404)

    def find(backend, name: str, stack: Optional[str]) -> str:
        """The ARN of the newest change set called `name` (or with that ARN) of `stack` (any stack if None)."""
        found = [arn for arn, change_set in backend.change_sets.items()
                 if name in (arn, change_set.change_set_name) and stack in (None, change_set.stack_name,
                                                                              change_set.stack_id)]
        if not found:
            raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
        return found[-1]

    def describe_change_set(self) -> ActionResult:
        arn = find(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
        return ActionResult(self.cloudformation_backend.describe_change_set(change_set_name=arn))

    def delete_change_set(self) -> EmptyResult:
        backend, stack = self.cloudformation_backend, self._get_param("StackName")
        try:
            backend.delete_change_set(change_set_name=find(backend, self._get_param("ChangeSetName"), stack))
        except ChangeSetNotFound:
            # Succeeds as long as the stack exists, as on AWS (the CDK CLI relies on it before every update).
            if stack is not None and not any(stack in (s.name, s.stack_id) for s in backend.stacks.values()):
                raise ValidationError(stack) from None
        return EmptyResult()

    def execute_change_set(self) -> EmptyResult:
        backend, stack = self.cloudformation_backend, self._get_param("StackName")
        backend.execute_change_set(change_set_name=find(backend, self._get_param("ChangeSetName"), stack),
                                   stack_name=stack)
        return EmptyResult()

    original_create = CloudFormationResponse.create_change_set

    def create_change_set(self) -> ActionResult:
        # `UsePreviousValue` of an SSM-typed parameter (the CDK's BootstrapVersion) reuses the parameter's name, as
        # CloudFormation stores it; moto reused the value it resolved, looked that up as a name and failed.
        if self._get_param("ChangeSetType") == "UPDATE":
            stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
            declared = stack.template_dict.get("Parameters", {})
            for parameter in self._get_param("Parameters") or []:
                slot = declared.get(parameter.get("ParameterKey"), {})
                if parameter.get("UsePreviousValue") and slot.get("Type", "").startswith("AWS::SSM::Parameter::"):
                    parameter.pop("UsePreviousValue")
                    parameter["ParameterValue"] = stack.resource_map.input_parameters.get(
                        parameter["ParameterKey"], slot.get("Default"))
        return original_create(self)

    CloudFormationResponse.create_change_set = create_change_set
    CloudFormationResponse.describe_change_set = describe_change_set
    CloudFormationResponse.delete_change_set = delete_change_set
    CloudFormationResponse.execute_change_set = execute_change_set


def _patch_termination_protection() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    def update_termination_protection(self) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = str(self._get_param("EnableTerminationProtection")).lower() == "true"
        return ActionResult({"StackId": stack.stack_id})

    original_delete = CloudFormationBackend.delete_stack

    def delete_stack(self, name_or_stack_id: str) -> None:
        for stack in self.stacks.values():
            if name_or_stack_id in (stack.stack_id, stack.name) and stack.enable_termination_protection:
                raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection "
                                              "is enabled")
        original_delete(self, name_or_stack_id)

    CloudFormationResponse.update_termination_protection = update_termination_protection
    CloudFormationBackend.delete_stack = delete_stack


def apply_patches() -> None:
    from tools import emulator_inference_components, emulator_sagemaker

    emulator_sagemaker.apply_patches()
    emulator_inference_components.apply_patches()
    _patch_cloudwatch_alarms()
    _patch_managed_policies()
    _patch_kms_keys()
    _patch_change_sets()
    _patch_custom_resources()
    _patch_termination_protection()
    _patch_change_set_names()


def main(argv: Optional[list[str]] = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    apply_patches()
    from moto.server import main as moto_main

    from tools.emulator_sagemaker import close_runtime

    try:  # moto's SIGTERM/SIGINT handler exits with SystemExit, so this runs on `stop` too
        moto_main(argv if argv is not None else sys.argv[1:])
    finally:
        close_runtime()


if __name__ == "__main__":
    main()
