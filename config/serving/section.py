"""The serving section of an environment: its models and endpoints, and the references between them."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, model_validator

from config.base import Section
from config.serving.endpoints import EndpointSettings
from config.serving.models import ModelSettings, SmokeRequest
from config.serving.names import LocalName, S3Key
from sagemaker_serving_cdk.rules.component_spec import component_model_problems
from sagemaker_serving_cdk.rules.variants import serverless_problems


class ServingConfig(Section):
    """The environment's models and endpoints. Endpoint keys become construct ids (realtime -> Realtime)."""

    default_model_data_key: S3Key = "models/model-v1.tar.gz"
    """The model.tar.gz in the model bucket that a model without its own data source serves."""
    models: dict[LocalName, ModelSettings] = Field(default_factory=lambda: {"main": ModelSettings()})
    endpoints: dict[LocalName, EndpointSettings] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> "ServingConfig":
        problems = []
        for endpoint_name, endpoint in self.endpoints.items():
            for model_name in endpoint.model_names:
                model = self.models.get(model_name)
                if model is None:
                    problems.append(
                        f"endpoint {endpoint_name!r} uses model {model_name!r}, which is not defined; "
                        f"defined models: {sorted(self.models)}"
                    )
                    continue
                if endpoint.serverless is not None:
                    problems.extend(f"endpoint {endpoint_name!r}: {problem}" for problem in serverless_problems(
                        multi_model=model.is_multi_model, network_isolation=model.network_isolation,
                        in_vpc=model.vpc is not None, model=f"models.{model_name}"))
                if endpoint.component_host is not None:
                    problems += [f"endpoint {endpoint_name!r}: {p}" for p in component_model_problems(
                        multi_model=model.is_multi_model, field=f"models.{model_name}")]
                if model.is_multi_model and endpoint.shadow_variant is not None:
                    problems.append(f"endpoint {endpoint_name!r}: shadow variants are not supported with multi-model {model_name!r}")
            problems.extend(self._smoke_request_problems(endpoint_name))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def smoke_request_for(self, endpoint_name: str) -> Optional[SmokeRequest]:
        """The endpoint's own smoke_request, else that of the model its first variant serves; None: neither, or a
        component host (its components are probed: smoke_request_for_component)."""
        endpoint = self.endpoints[endpoint_name]
        if endpoint.component_host is not None:
            return None
        if endpoint.smoke_request is not None:
            return endpoint.smoke_request
        model = self.models.get(endpoint.model_names[0]) if endpoint.model_names else None
        return model.smoke_request if model is not None else None

    def smoke_request_for_component(self, endpoint_name: str, component: str) -> Optional[SmokeRequest]:
        """The component's own smoke_request, else its model's; None: neither."""
        settings = self.endpoints[endpoint_name].components[component]
        if settings.smoke_request is not None:
            return settings.smoke_request
        model = self.models.get(settings.model)
        return model.smoke_request if model is not None else None

    def serves_multi_model(self, endpoint_name: str) -> bool:
        return any(self.models[name].is_multi_model for name in self.endpoints[endpoint_name].model_names
                   if name in self.models)

    def _smoke_request_problems(self, endpoint_name: str) -> list[str]:
        # TargetModel is required by a multi-model endpoint and rejected by any other (components are single-model).
        for component in self.endpoints[endpoint_name].components:
            request = self.smoke_request_for_component(endpoint_name, component)
            if request is not None and request.target_model is not None:
                return [f"endpoint {endpoint_name!r}, component {component!r}: a component serves one model; its "
                        f"smoke_request takes no target_model (got {request.target_model!r})"]
        request = self.smoke_request_for(endpoint_name)
        if request is None:
            return []
        multi = self.serves_multi_model(endpoint_name)
        if multi and request.target_model is None:
            return [f"endpoint {endpoint_name!r} is multi-model: its smoke_request needs target_model (a model.tar.gz "
                    f"under the model's multi_model_prefix), got none"]
        if not multi and request.target_model is not None:
            return [f"endpoint {endpoint_name!r} is not multi-model: its smoke_request takes no target_model "
                    f"(got {request.target_model!r})"]
        return []
