"""SageMaker inference components in the local emulator: moto 5.2.5 has neither the API nor a CloudFormation model
for them (its CloudFormation skips `AWS::SageMaker::InferenceComponent` with a warning).

Applied in-process by tools.emulator_server, numbered after its fixes (same rules: closer to the service, templates
and the CDK CLI unchanged):

12. Endpoint configs for inference components: a production variant without `ModelName` (the component-host
    variant: instance type, `ManagedInstanceScaling`, `RoutingConfig`, `InferenceAmiVersion`) is accepted; moto
    looked its model up unconditionally and failed with a KeyError (HTTP 500, a failed stack). The config's
    `ExecutionRoleArn` (API and CloudFormation) is kept and DescribeEndpointConfig returns it; moto dropped it.
13. Inference components: CreateInferenceComponent, DescribeInferenceComponent, ListInferenceComponents,
    UpdateInferenceComponent, UpdateInferenceComponentRuntimeConfig and DeleteInferenceComponent through moto's
    SageMaker response dispatch, and `AWS::SageMaker::InferenceComponent` in CloudFormation (Ref = the ARN; GetAtt
    the schema's read-only attributes: InferenceComponentArn, InferenceComponentStatus, CreationTime,
    LastModifiedTime, FailureReason, RuntimeConfig.DesiredCopyCount/CurrentCopyCount; updated in place through
    UpdateInferenceComponent, replaced when its name or endpoint changes). Creation checks what SageMaker can
    check: the endpoint exists, the variant exists on the endpoint's config and has no model of its own, the
    model (or the component's own container's ArtifactUrl) exists,
    `ComputeResourceRequirements.MinMemoryRequiredInMb` (>= 128) and `RuntimeConfig.CopyCount` (>= 0) are given.
    A component is `InService` at once with its current copy count equal to the desired one (nothing provisions
    here; whether its requirements fit the instance type is not checked). `Specifications` (per instance type)
    and adapter components (`BaseInferenceComponentName`) are not implemented and fail saying so.
14. InvokeEndpoint with `InferenceComponentName` runs that component's model (its container, or the model's)
    through tools.serving_runtime, as variants are (tools/emulator_sagemaker.py, fix 8). A component scaled to
    zero copies answers as SageMaker does (400 ValidationError "Inference Component has no capacity to process
    this request. ...") and publishes `NoCapacityInvocationFailures` (namespace AWS/SageMaker, dimension
    InferenceComponentName) to CloudWatch, the metric that wakes a component from zero. An endpoint whose variant
    hosts components rejects a request without the header, and an endpoint without components rejects one
    with it, with SageMaker's messages.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Optional

from tools.emulator_sagemaker import _backend, _validation, container_of, object_exists

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$")  # botocore's InferenceComponentName
MIN_MEMORY_MB = 128  # botocore: MemoryInMb min
# SageMaker's answers, verbatim. At zero copies: the AWS Machine Learning Blog, "Unlock cost savings with the new
# scale down to zero feature in SageMaker Inference" (2024-12-03, "Test the solution"). The header messages are
# the service's as clients quote them (no AWS page lists them): litellm's SageMaker provider matches on them.
NO_CAPACITY = ("Inference Component has no capacity to process this request. ApplicationAutoScaling may be "
               "in-progress (if configured) or try to increase the capacity by invoking "
               "UpdateInferenceComponentRuntimeConfig API.")
HEADER_REQUIRED = ("Inference Component Name header is required for endpoints to which you plan to deploy "
                   "inference components.")
HEADER_NOT_ALLOWED = ("Inference Component Name header is not allowed for endpoints to which you dont plan to "
                      "deploy inference components. Please remove the Inference Component Name header and try again.")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _arn(kind: str, name: str, account_id: str, region: str) -> str:
    from moto.sagemaker.utils import arn_formatter

    return arn_formatter(kind, name, account_id, region)


def components(account_id: str, region: str) -> dict[str, "InferenceComponent"]:
    """The region's inference components by name, kept on moto's SageMaker backend (reset with it)."""
    return _backend(account_id, region).__dict__.setdefault("inference_components", {})


def hosts_components(variant: dict[str, Any]) -> bool:
    """A variant without a model of its own is an inference-component host."""
    return not variant.get("ModelName")


class InferenceComponent:
    def __init__(self, account_id: str, region: str, name: str, endpoint_name: str, variant_name: str,
                 specification: dict[str, Any], copy_count: int, tags: Optional[list] = None):
        self.account_id, self.region = account_id, region
        self.name, self.endpoint_name, self.variant_name = name, endpoint_name, variant_name
        self.arn = _arn("inference-component", name, account_id, region)
        self.specification, self.copy_count, self.tags = specification, copy_count, tags or []
        self.last_deployment_config: Optional[dict[str, Any]] = None
        self.creation_time = self.last_modified_time = _now()

    def describe(self) -> dict[str, Any]:
        described = {
            "InferenceComponentName": self.name, "InferenceComponentArn": self.arn,
            "EndpointName": self.endpoint_name,
            "EndpointArn": _arn("endpoint", self.endpoint_name, self.account_id, self.region),
            "VariantName": self.variant_name, "Specification": self.specification,
            "RuntimeConfig": {"DesiredCopyCount": self.copy_count, "CurrentCopyCount": self.copy_count},
            "CreationTime": self.creation_time, "LastModifiedTime": self.last_modified_time,
            "InferenceComponentStatus": "InService",
        }
        if self.last_deployment_config:
            described["LastDeploymentConfig"] = self.last_deployment_config
        return described

    def summary(self) -> dict[str, Any]:
        described = self.describe()
        return {key: described[key] for key in ("CreationTime", "InferenceComponentArn", "InferenceComponentName",
                                                "EndpointArn", "EndpointName", "VariantName",
                                                "InferenceComponentStatus", "LastModifiedTime")}

    def container(self) -> dict[str, Any]:
        """What the component runs: its own container, or its model's (through the model's package, if any)."""
        own = self.specification.get("Container")
        if own:
            return {"Image": own.get("Image", ""), "ModelDataUrl": own.get("ArtifactUrl", ""),
                    "Environment": dict(own.get("Environment") or {}), "Mode": "SingleModel"}
        return container_of(self.account_id, self.region, self.specification["ModelName"])


# --------------------------------------------------------------------------------------------- the API's rules


def _not_found(account_id: str, region: str, name: str) -> Exception:
    return _validation(f"Could not find inference component '{_arn('inference-component', name, account_id, region)}'.")


def get(account_id: str, region: str, name: str) -> InferenceComponent:
    found = components(account_id, region).get(name)
    if found is None:
        raise _not_found(account_id, region, name)
    return found


def _check_specification(account_id: str, region: str, specification: Optional[dict], name: str) -> dict:
    if not specification:
        raise _validation(f"Inference component {name}: Specification is required (the emulator does not implement "
                          "Specifications, one per instance type).")
    if specification.get("BaseInferenceComponentName"):
        raise _validation(f"Inference component {name}: BaseInferenceComponentName (adapter components) is not "
                          "implemented by the emulator.")
    if bool(specification.get("ModelName")) == bool(specification.get("Container")):
        raise _validation(f"Inference component {name}: Specification needs exactly one of ModelName or Container "
                          "(emulator check).")
    artifact = (specification.get("Container") or {}).get("ArtifactUrl")
    if artifact and not object_exists(account_id, artifact):  # as CreateModel checks its ModelDataUrl (fix 6)
        raise _validation(f"Could not find model data at {artifact}.")
    if specification.get("ModelName"):
        backend = _backend(account_id, region)
        if specification["ModelName"] not in backend._models:
            raise _validation(f"Could not find model '{_arn('model', specification['ModelName'], account_id, region)}'.")
    requirements = specification.get("ComputeResourceRequirements") or {}
    memory = requirements.get("MinMemoryRequiredInMb")
    if memory is None:
        raise _validation(f"Inference component {name}: Specification.ComputeResourceRequirements."
                          "MinMemoryRequiredInMb is required.")
    if int(memory) < MIN_MEMORY_MB:
        raise _validation(f"Inference component {name}: Specification.ComputeResourceRequirements."
                          f"MinMemoryRequiredInMb is {memory}; it must be at least {MIN_MEMORY_MB}.")
    return specification


def _check_copy_count(runtime_config: Optional[dict], name: str, field: str = "RuntimeConfig") -> int:
    if not runtime_config or runtime_config.get("CopyCount") is None:
        raise _validation(f"Inference component {name}: {field}.CopyCount is required.")
    count = int(runtime_config["CopyCount"])
    if count < 0:
        raise _validation(f"Inference component {name}: {field}.CopyCount is {count}; it must be 0 or more.")
    return count


def _host_variant(account_id: str, region: str, endpoint_name: str, variant_name: Optional[str], name: str) -> str:
    backend = _backend(account_id, region)
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise _validation(f"Could not find endpoint '{_arn('endpoint', endpoint_name, account_id, region)}'.")
    variants = {v["VariantName"]: v for v in backend.endpoint_configs[endpoint.endpoint_config_name].production_variants}
    if variant_name is None:
        if len(variants) != 1:
            raise _validation(f"Inference component {name}: VariantName is required; endpoint {endpoint_name} has "
                              f"variants {sorted(variants)}.")
        variant_name = next(iter(variants))
    if variant_name not in variants:
        raise _validation(f"Inference component {name}: variant {variant_name} not found on endpoint "
                          f"{endpoint_name} (its variants: {sorted(variants)}).")
    if not hosts_components(variants[variant_name]):
        raise _validation(f"Inference component {name}: variant {variant_name} of endpoint {endpoint_name} hosts "
                          f"model {variants[variant_name]['ModelName']}; inference components need a variant "
                          "without ModelName.")
    return variant_name


def create(account_id: str, region: str, *, name: str, endpoint_name: str, variant_name: Optional[str],
           specification: Optional[dict], runtime_config: Optional[dict], tags: Optional[list] = None,
           specifications: Optional[list] = None) -> InferenceComponent:
    if not name or len(name) > 63 or not NAME_PATTERN.match(name):
        raise _validation(f"Inference component name {name!r} must match {NAME_PATTERN.pattern} and be at most 63 "
                          "characters.")
    if specifications:
        raise _validation(f"Inference component {name}: Specifications (one per instance type) is not implemented by "
                          "the emulator; use Specification.")
    if name in components(account_id, region):
        raise _validation(f"Cannot create already existing inference component "
                          f"'{_arn('inference-component', name, account_id, region)}'.")
    variant = _host_variant(account_id, region, endpoint_name, variant_name, name)
    component = InferenceComponent(account_id, region, name, endpoint_name, variant,
                                   _check_specification(account_id, region, specification, name),
                                   _check_copy_count(runtime_config, name), tags)
    components(account_id, region)[name] = component
    return component


def update(account_id: str, region: str, name: str, *, specification: Optional[dict] = None,
           runtime_config: Optional[dict] = None, deployment_config: Optional[dict] = None) -> InferenceComponent:
    component = get(account_id, region, name)
    if specification is not None:
        component.specification = _check_specification(account_id, region, specification, name)
    if runtime_config is not None:
        component.copy_count = _check_copy_count(runtime_config, name)
    if deployment_config:
        component.last_deployment_config = deployment_config
    component.last_modified_time = _now()
    return component


def set_copy_count(account_id: str, region: str, name: str, desired: Optional[dict]) -> InferenceComponent:
    component = get(account_id, region, name)
    component.copy_count = _check_copy_count(desired, name, "DesiredRuntimeConfig")
    component.last_modified_time = _now()
    return component


def delete(account_id: str, region: str, name: str) -> None:
    if components(account_id, region).pop(name, None) is None:
        raise _not_found(account_id, region, name)


def listed(account_id: str, region: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    found = [c for c in components(account_id, region).values()
             if params.get("EndpointNameEquals") in (None, c.endpoint_name)
             and params.get("VariantNameEquals") in (None, c.variant_name)
             and params.get("StatusEquals") in (None, "InService")
             and (params.get("NameContains") or "") in c.name]
    key = {"Name": lambda c: c.name, "Status": lambda c: "InService"}.get(params.get("SortBy") or "", lambda c: c.creation_time)
    found.sort(key=key, reverse=(params.get("SortOrder") or "Descending") == "Descending")
    return [c.summary() for c in found]


# --------------------------------------------------------------------------------------------- invocations


def _runtime_validation(message: str) -> Exception:
    """The runtime's 400 ValidationError (its code is ValidationError; the control plane's is ValidationException)."""
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ValidationError", message)


def _publish_no_capacity(component: InferenceComponent) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch_backends[component.account_id][component.region].put_metric_data("AWS/SageMaker", [{
        "MetricName": "NoCapacityInvocationFailures", "Value": 1.0, "Unit": "Count",  # moto stamps it now
        "Dimensions": [{"Name": "InferenceComponentName", "Value": component.name}]}])


def routed(account_id: str, region: str, endpoint_name: str, variants: list[dict[str, Any]],
           component_name: Optional[str]) -> Optional[tuple[dict[str, Any], str]]:
    """(container, variant name) of a request naming a component; None for an endpoint without components and
    no component named. Raises what SageMaker answers for a request that cannot be routed."""
    if not any(hosts_components(v) for v in variants):
        if component_name:
            raise _runtime_validation(HEADER_NOT_ALLOWED)
        return None
    if not component_name:
        raise _runtime_validation(HEADER_REQUIRED)
    component = components(account_id, region).get(component_name)
    if component is None or component.endpoint_name != endpoint_name:
        raise _runtime_validation(f"Inference Component {component_name} not found on endpoint {endpoint_name}.")
    if component.copy_count == 0:
        _publish_no_capacity(component)
        raise _runtime_validation(NO_CAPACITY)
    return component.container(), component.variant_name


# --------------------------------------------------------------------------------------------- fixes


def _patch_endpoint_configs() -> None:
    from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    def validate_production_variants(self, production_variants):
        for variant in production_variants or []:
            if not hosts_components(variant) and variant["ModelName"] not in self._models:
                model_arn = _arn("model", variant["ModelName"], self.account_id, self.region_name)
                raise _validation(f"Could not find model '{model_arn}'.")

    SageMakerModelBackend.validate_production_variants = validate_production_variants

    original_cfn = FakeEndpointConfig.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        config = original_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        role = cloudformation_json.get("Properties", {}).get("ExecutionRoleArn")
        if role:
            config.execution_role_arn = role  # BaseObject's response_object returns it as ExecutionRoleArn
        return config

    FakeEndpointConfig.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)

    original_api = SageMakerResponse.create_endpoint_config

    def create_endpoint_config(self):
        result = original_api(self)
        role = self._get_param("ExecutionRoleArn")
        if role:
            self.sagemaker_backend.endpoint_configs[self._get_param("EndpointConfigName")].execution_role_arn = role
        return result

    SageMakerResponse.create_endpoint_config = create_endpoint_config


def _patch_api() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.responses import SageMakerResponse

    def create_inference_component(self):
        component = create(
            self.current_account, self.region, name=self._get_param("InferenceComponentName"),
            endpoint_name=self._get_param("EndpointName"), variant_name=self._get_param("VariantName"),
            specification=self._get_param("Specification"), specifications=self._get_param("Specifications"),
            runtime_config=self._get_param("RuntimeConfig"), tags=self._get_param("Tags"))
        return ActionResult({"InferenceComponentArn": component.arn})

    def describe_inference_component(self):
        return ActionResult(get(self.current_account, self.region, self._get_param("InferenceComponentName")).describe())

    def list_inference_components(self):
        return ActionResult({"InferenceComponents": listed(self.current_account, self.region, self.params)})

    def update_inference_component(self):
        if self._get_param("Specifications"):
            raise _validation("Specifications (one per instance type) is not implemented by the emulator.")
        component = update(self.current_account, self.region, self._get_param("InferenceComponentName"),
                           specification=self._get_param("Specification"),
                           runtime_config=self._get_param("RuntimeConfig"),
                           deployment_config=self._get_param("DeploymentConfig"))
        return ActionResult({"InferenceComponentArn": component.arn})

    def update_inference_component_runtime_config(self):
        component = set_copy_count(self.current_account, self.region, self._get_param("InferenceComponentName"),
                                   self._get_param("DesiredRuntimeConfig"))
        return ActionResult({"InferenceComponentArn": component.arn})

    def delete_inference_component(self):
        delete(self.current_account, self.region, self._get_param("InferenceComponentName"))
        return EmptyResult()

    for handler in (create_inference_component, describe_inference_component, list_inference_components,
                    update_inference_component, update_inference_component_runtime_config,
                    delete_inference_component):
        setattr(SageMakerResponse, handler.__name__, handler)


# The CloudFormation schema's read-only attributes (cfn-lint's copy of the provider schema; the CDK's
# CfnInferenceComponent exposes the same as attr_*), as Fn::GetAtt names.
ATTRIBUTES = {
    "InferenceComponentArn": lambda c: c.arn,
    "InferenceComponentStatus": lambda c: "InService",
    "CreationTime": lambda c: c.creation_time.isoformat(),
    "LastModifiedTime": lambda c: c.last_modified_time.isoformat(),
    "FailureReason": lambda c: "",
    "RuntimeConfig.DesiredCopyCount": lambda c: c.copy_count,
    "RuntimeConfig.CurrentCopyCount": lambda c: c.copy_count,
}


def _properties(json_: dict) -> dict:
    return json_.get("Properties", {})


def _patch_cloudformation() -> None:
    from moto.core.common_models import CloudFormationModel

    class StackInferenceComponent(CloudFormationModel):
        """An inference component a stack created (Ref = its ARN, the schema's primary identifier)."""

        __module__ = "moto.sagemaker"

        def __init__(self, component: InferenceComponent):
            self.component = component

        @property
        def physical_resource_id(self) -> str:
            return self.component.arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return "InferenceComponentName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SageMaker::InferenceComponent"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ATTRIBUTES

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name not in ATTRIBUTES:
                raise UnformattedGetAttTemplateException()
            return ATTRIBUTES[attribute_name](self.component)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = _properties(cloudformation_json)
            name = p.get("InferenceComponentName") or _generated_name(resource_name)
            return cls(create(account_id, region_name, name=name, endpoint_name=p.get("EndpointName"),
                              variant_name=p.get("VariantName"), specification=p.get("Specification"),
                              specifications=p.get("Specifications"), runtime_config=p.get("RuntimeConfig"),
                              tags=p.get("Tags")))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                            account_id, region_name):
            p, old = _properties(cloudformation_json), original_resource.component
            name = p.get("InferenceComponentName") or old.name
            if name != old.name or p.get("EndpointName") != old.endpoint_name:
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            if p.get("VariantName") not in (None, old.variant_name):
                raise _validation(f"Inference component {name}: VariantName cannot change from {old.variant_name} "
                                  f"to {p['VariantName']} in an update.")
            update(account_id, region_name, name, specification=p.get("Specification"),
                   runtime_config=p.get("RuntimeConfig"), deployment_config=p.get("DeploymentConfig"))
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            components(account_id, region_name).pop(self.component.name, None)  # already gone is fine

    assert StackInferenceComponent.cloudformation_type() == "AWS::SageMaker::InferenceComponent"
    # moto caches its type -> model map on first use: forget it, in case a stack was parsed before this ran.
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def _generated_name(resource_name: str) -> str:
    """moto's generated `<stack>-<logical id>-<suffix>`, cut to the 63 characters a component name may have."""
    return resource_name[-63:].lstrip("-")


_applied = False


def apply_patches() -> None:
    global _applied
    if _applied:  # each patch wraps the method it replaces: apply once per process
        return
    _applied = True
    _patch_endpoint_configs()
    _patch_api()
    _patch_cloudformation()
