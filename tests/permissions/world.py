"""The synthesized templates of the whole app as AWS would hold them once deployed: intrinsics resolved to
concrete names and ARNs, and every identity and resource policy indexed by the ARN it applies to.

Generated physical names are stood in for by `<stack name>-<logical id>` (what CloudFormation generates is
unknowable offline, but it is one fixed name per resource, which is all policy evaluation needs). Everything
else (partition, account, region, fixed names, export values) is exactly what the templates say.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"


class UnresolvedIntrinsic(ValueError):
    """A template construct this resolver does not know; extend it rather than guess."""


@dataclass
class StackTemplate:
    name: str
    account: str
    region: str
    template: dict
    label: str = ""
    """Where it comes from, e.g. `Dev/Serving` (for messages)."""

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.get("Resources", {})


def _arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _generated(stack: StackTemplate, logical_id: str) -> str:
    return f"{stack.name}-{logical_id}"


# Ref and Fn::GetAtt of every resource type our policies can mention: type -> f(stack, logical id, name
# property value or None) -> {"Ref": ..., attribute: ...}. CloudFormation's documented return values.
def _physical(kind: str, name_property: Optional[str], build: Callable[[StackTemplate, str, str], dict]):
    return kind, name_property, build


_TYPES = dict((k, (p, b)) for k, p, b in [
    _physical("AWS::S3::Bucket", "BucketName", lambda s, lid, n: {
        "Ref": n, "Arn": f"arn:{PARTITION}:s3:::{n}", "DomainName": f"{n}.s3.{URL_SUFFIX}"}),
    _physical("AWS::KMS::Key", None, lambda s, lid, n: {
        "Ref": f"key-{lid.lower()}", "KeyId": f"key-{lid.lower()}",
        "Arn": _arn("kms", s.region, s.account, f"key/key-{lid.lower()}")}),
    _physical("AWS::KMS::Alias", "AliasName", lambda s, lid, n: {"Ref": n}),
    _physical("AWS::SNS::Topic", "TopicName", lambda s, lid, n: {
        "Ref": _arn("sns", s.region, s.account, n), "TopicArn": _arn("sns", s.region, s.account, n), "TopicName": n}),
    _physical("AWS::IAM::Role", "RoleName", lambda s, lid, n: {
        "Ref": n, "Arn": f"arn:{PARTITION}:iam::{s.account}:role/{n}", "RoleId": f"AROA{lid.upper()}"}),
    _physical("AWS::IAM::ManagedPolicy", "ManagedPolicyName", lambda s, lid, n: {
        "Ref": f"arn:{PARTITION}:iam::{s.account}:policy/{n}", "PolicyArn": f"arn:{PARTITION}:iam::{s.account}:policy/{n}"}),
    _physical("AWS::IAM::Policy", "PolicyName", lambda s, lid, n: {"Ref": n}),
    _physical("AWS::SageMaker::Model", "ModelName", lambda s, lid, n: {
        "Ref": _arn("sagemaker", s.region, s.account, f"model/{n.lower()}"), "ModelName": n}),
    _physical("AWS::SageMaker::EndpointConfig", "EndpointConfigName", lambda s, lid, n: {
        "Ref": _arn("sagemaker", s.region, s.account, f"endpoint-config/{n.lower()}"), "EndpointConfigName": n}),
    _physical("AWS::SageMaker::Endpoint", "EndpointName", lambda s, lid, n: {
        "Ref": _arn("sagemaker", s.region, s.account, f"endpoint/{n.lower()}"), "EndpointName": n}),
    _physical("AWS::SageMaker::InferenceComponent", "InferenceComponentName", lambda s, lid, n: {
        "Ref": _arn("sagemaker", s.region, s.account, f"inference-component/{n.lower()}"),
        "InferenceComponentArn": _arn("sagemaker", s.region, s.account, f"inference-component/{n.lower()}"),
        "InferenceComponentName": n}),
    _physical("AWS::SageMaker::ModelPackageGroup", "ModelPackageGroupName", lambda s, lid, n: {
        "ModelPackageGroupArn": _arn("sagemaker", s.region, s.account, f"model-package-group/{n.lower()}")}),
    _physical("AWS::StepFunctions::StateMachine", "StateMachineName", lambda s, lid, n: {
        "Ref": _arn("states", s.region, s.account, f"stateMachine:{n}"),
        "Arn": _arn("states", s.region, s.account, f"stateMachine:{n}"), "Name": n}),
    _physical("AWS::Logs::LogGroup", "LogGroupName", lambda s, lid, n: {
        "Ref": n, "Arn": _arn("logs", s.region, s.account, f"log-group:{n}:*")}),
    _physical("AWS::CloudWatch::Alarm", "AlarmName", lambda s, lid, n: {
        "Ref": n, "Arn": _arn("cloudwatch", s.region, s.account, f"alarm:{n}")}),
    _physical("AWS::Scheduler::Schedule", "Name", lambda s, lid, n: {
        "Ref": n, "Arn": _arn("scheduler", s.region, s.account, f"schedule/default/{n}")}),
    _physical("AWS::Lambda::Function", "FunctionName", lambda s, lid, n: {
        "Ref": n, "Arn": _arn("lambda", s.region, s.account, f"function:{n}")}),
    _physical("AWS::CodeBuild::Project", "Name", lambda s, lid, n: {
        "Ref": n, "Arn": _arn("codebuild", s.region, s.account, f"project/{n}")}),
    _physical("AWS::CodePipeline::Pipeline", "Name", lambda s, lid, n: {"Ref": n}),
    _physical("AWS::ApplicationAutoScaling::ScalingPolicy", "PolicyName", lambda s, lid, n: {
        "Ref": _arn("autoscaling", s.region, s.account, f"scalingPolicy:{lid}:resource/sagemaker/{n}")}),
    _physical("AWS::Events::Rule", "Name", lambda s, lid, n: {
        "Ref": n, "Arn": _arn("events", s.region, s.account, f"rule/{n}")}),
])


class World:
    """Every stack of the app, resolvable, with its policies indexed."""

    def __init__(self, stacks: list[StackTemplate]):
        self.stacks = stacks
        self._by_name = {s.name: s for s in stacks}
        self._exports: dict[tuple[str, str, str], tuple[StackTemplate, Any]] = {}
        for stack in stacks:
            for output in stack.template.get("Outputs", {}).values():
                if "Export" in output:
                    name = self.resolve(stack, output["Export"]["Name"])
                    self._exports[(stack.account, stack.region, name)] = (stack, output["Value"])
        self._physical_cache: dict[tuple[str, str], dict] = {}
        self.roles: dict[str, "RoleView"] = {}
        self.resource_policies: dict[str, tuple[str, list[dict]]] = {}
        self.policy_owners: dict[str, str] = {}  # resource ARN -> label of the stack defining its policy
        self.topics: dict[str, dict] = {}  # topic ARN -> resolved properties
        self._index()

    # ------------------------------------------------------------------------------------------ resolving

    def stack(self, name: str) -> StackTemplate:
        return self._by_name[name]

    def resolve(self, stack: StackTemplate, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(stack, v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(stack, arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attribute(stack, logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(p) for p in self.resolve(stack, parts))
            if key == "Fn::Select":
                index, items = self.resolve(stack, arg)
                return items[int(index)]
            if key == "Fn::Split":
                separator, text = self.resolve(stack, arg)
                return text.split(separator)
            if key == "Fn::Sub":
                return self._sub(stack, arg)
            if key == "Fn::ImportValue":
                name = self.resolve(stack, arg)
                try:
                    exporter, expression = self._exports[(stack.account, stack.region, name)]
                except KeyError:
                    raise UnresolvedIntrinsic(f"{stack.label}: no stack in {stack.account}/{stack.region} "
                                              f"exports {name!r}") from None
                return self.resolve(exporter, expression)
            if key.startswith("Fn::"):
                raise UnresolvedIntrinsic(f"{stack.label}: {key} is not supported: {value}")
        return {k: self.resolve(stack, v) for k, v in value.items()}

    def _ref(self, stack: StackTemplate, name: str) -> Any:
        pseudo = {"AWS::Partition": PARTITION, "AWS::AccountId": stack.account, "AWS::Region": stack.region,
                  "AWS::URLSuffix": URL_SUFFIX, "AWS::StackName": stack.name}
        if name in pseudo:
            return pseudo[name]
        if name in stack.template.get("Parameters", {}):
            raise UnresolvedIntrinsic(f"{stack.label}: Ref to parameter {name!r} has no value offline")
        return self.attribute(stack, name, "Ref")

    def attribute(self, stack: StackTemplate, logical_id: str, attribute: str) -> Any:
        key = (stack.name, logical_id)
        if key not in self._physical_cache:
            resource = stack.resources.get(logical_id)
            if resource is None:
                raise UnresolvedIntrinsic(f"{stack.label}: no resource {logical_id!r}")
            if resource["Type"] not in _TYPES:
                raise UnresolvedIntrinsic(f"{stack.label}: {resource['Type']} ({logical_id}) has no known Ref/GetAtt")
            name_property, build = _TYPES[resource["Type"]]
            name = resource.get("Properties", {}).get(name_property) if name_property else None
            name = self.resolve(stack, name) if name is not None else _generated(stack, logical_id)
            if resource["Type"] == "AWS::S3::Bucket":
                name = name.lower()
            self._physical_cache[key] = build(stack, logical_id, name)
        values = self._physical_cache[key]
        if attribute not in values:
            raise UnresolvedIntrinsic(f"{stack.label}: {logical_id} has no attribute {attribute!r} here")
        return values[attribute]

    def _sub(self, stack: StackTemplate, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(stack, arg[1]))

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.attribute(stack, logical_id, attribute))
            return str(self._ref(stack, name))

        return re.sub(r"\$\{([^!][^}]*)\}", replace, text)

    def properties(self, stack: StackTemplate, logical_id: str) -> dict:
        return self.resolve(stack, stack.resources[logical_id].get("Properties", {}))

    # ------------------------------------------------------------------------------------------ policies

    def _index(self) -> None:
        for stack in self.stacks:
            for logical_id, resource in stack.resources.items():
                kind = resource["Type"]
                if kind == "AWS::IAM::Role":
                    props = self.properties(stack, logical_id)
                    arn = self.attribute(stack, logical_id, "Arn")
                    role = self.roles.setdefault(arn, RoleView(arn=arn, stack=stack.label))
                    # A trust policy's statements apply to the role itself (they carry no Resource).
                    role.trust = [{**s, "Resource": arn} for s in props["AssumeRolePolicyDocument"]["Statement"]]
                    role.statements += [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
                    role.managed_policy_arns += props.get("ManagedPolicyArns", [])
                    self.resource_policies[arn] = ("trust", role.trust)
                    self.policy_owners[arn] = stack.label
                elif kind == "AWS::KMS::Key":
                    props, arn = self.properties(stack, logical_id), self.attribute(stack, logical_id, "Arn")
                    self.resource_policies[arn] = ("kms", props["KeyPolicy"]["Statement"])
                    self.policy_owners[arn] = stack.label
                elif kind == "AWS::S3::BucketPolicy":
                    props = self.properties(stack, logical_id)
                    self._add_resource_policy(stack, f"arn:{PARTITION}:s3:::{props['Bucket']}", "s3", props)
                elif kind == "AWS::SNS::TopicPolicy":
                    props = self.properties(stack, logical_id)
                    for topic in props["Topics"]:
                        self._add_resource_policy(stack, topic, "sns", props)
                elif kind == "AWS::SNS::Topic":
                    self.topics[self.attribute(stack, logical_id, "TopicArn")] = self.properties(stack, logical_id)
        for stack in self.stacks:
            for logical_id, resource in stack.resources.items():
                if resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
                    props = self.properties(stack, logical_id)
                    for role_name in props.get("Roles", []):
                        role = self.role_named(stack.account, role_name)
                        role.statements += props["PolicyDocument"]["Statement"]
                        if resource["Type"] == "AWS::IAM::ManagedPolicy":
                            role.managed_policy_arns.append(self.attribute(stack, logical_id, "Ref"))
        # Customer-managed policies attached through ManagedPolicyArns are already in `statements`.
        own = {self.attribute(s, lid, "Ref") for s in self.stacks for lid, r in s.resources.items()
               if r["Type"] == "AWS::IAM::ManagedPolicy"}
        for role in self.roles.values():
            role.unknown_managed_policies = [arn for arn in role.managed_policy_arns if arn not in own]

    def _add_resource_policy(self, stack: StackTemplate, arn: str, kind: str, props: dict) -> None:
        if arn in self.resource_policies:
            raise ValueError(f"two policies for {arn}")
        self.resource_policies[arn] = (kind, props["PolicyDocument"]["Statement"])
        self.policy_owners[arn] = stack.label

    def role_named(self, account: str, name: str) -> "RoleView":
        for arn, role in self.roles.items():
            if arn.split(":")[4] == account and arn.rsplit("/", 1)[-1] == name:
                return role
        raise KeyError(f"no role {name!r} in account {account}")

    def resource_policy_for(self, resource_arn: str) -> tuple[str, Optional[list[dict]]]:
        """(kind, statements) of the policy that governs `resource_arn`: a key's, a bucket's (for its objects
        too), a topic's, a role's trust policy; ("other", None) when none of ours applies."""
        if resource_arn in self.resource_policies:
            return self.resource_policies[resource_arn]
        if resource_arn.startswith(f"arn:{PARTITION}:s3:::"):
            bucket = resource_arn.split(":::", 1)[1].split("/", 1)[0]
            found = self.resource_policies.get(f"arn:{PARTITION}:s3:::{bucket}")
            if found:
                return found
        if resource_arn.startswith(f"arn:{PARTITION}:kms:"):
            return ("kms", None)  # a key we do not define: nothing lets us use it
        # Anything else of another owner (AWS's image repositories, the CDK bootstrap roles a stage account
        # trusts the tooling account with): only our side can be evaluated.
        return ("other", None)

    def find(self, kind: str) -> Iterator[tuple[StackTemplate, str, dict]]:
        """(stack, logical id, resolved properties) of every resource of one type."""
        for stack in self.stacks:
            for logical_id, resource in stack.resources.items():
                if resource["Type"] == kind:
                    yield stack, logical_id, self.properties(stack, logical_id)

    def without_statements(self, statements: list[dict]) -> "World":
        """A copy with these statements (by identity) removed from every identity and resource policy, as if
        the template had never granted them (for negative tests)."""
        doomed = {id(s) for s in statements}
        clone = copy.copy(self)
        clone.roles = {arn: copy.copy(role) for arn, role in self.roles.items()}
        for role in clone.roles.values():
            role.statements = [s for s in role.statements if id(s) not in doomed]
        clone.resource_policies = {arn: (kind, [s for s in policy if id(s) not in doomed])
                                   for arn, (kind, policy) in self.resource_policies.items()}
        return clone


@dataclass
class RoleView:
    arn: str
    stack: str
    trust: list[dict] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    managed_policy_arns: list[str] = field(default_factory=list)
    unknown_managed_policies: list[str] = field(default_factory=list)
    """AWS-managed policies attached to the role, whose content is not in our templates."""
