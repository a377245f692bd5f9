"""The schema of one environment: everything a Stage needs to build that environment's stacks."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from config.base import Section, raise_problems
from config.batch import BatchConfig
from config.data import DataConfig
from config.monitoring import MonitoringConfig, problems_with_serving
from config.serving import ServingConfig
from config.regions import aws_region, priced_region
from sagemaker_serving_cdk.rules.component_spec import component_name_problems
from sagemaker_serving_cdk.rules.naming import endpoint_name, endpoint_name_problem, inference_component_name
from sagemaker_serving_cdk.rules.variant_options import ssm_access_problems

AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Region = Annotated[str, AfterValidator(aws_region)]
PricedRegion = Annotated[str, AfterValidator(priced_region)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class EnvironmentConfig(Section):
    """One deployment environment (dev, staging, prod)."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{1,15}$")]
    """Short lower-case name; the Stage id is its capitalised form (dev -> Dev)."""

    account: AccountId
    region: PricedRegion
    """Where the Data, Serving and Batch stacks deploy (Billing is always us-east-1): a priced region."""

    name_prefix: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,23}[a-z0-9]$")]
    """Prefix of the few physical names we set (KMS alias, model package group, endpoints
    `<name_prefix>-<endpoint>`)."""

    project: NonEmpty = "sagemaker-inference"
    owner: NonEmpty
    cost_center: NonEmpty
    extra_tags: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    """Tags added to every resource on top of project, environment, owner and cost-center."""

    retain_data: bool
    """True: data-bearing resources (key, buckets, registry) survive `cdk destroy` and stack deletion.
    False: they are deleted with the stack, buckets emptied first (only sensible for dev)."""

    termination_protection: bool
    """CloudFormation termination protection on the stateful stacks."""

    production: bool
    """True: this environment serves production traffic. Stated, never inferred from the name; rules that protect
    production (no SSM sessions on endpoint instances) key on it."""

    data: DataConfig = DataConfig()
    serving: ServingConfig = ServingConfig()
    """Models and endpoints. Default: one model and no endpoints."""
    monitoring: MonitoringConfig = MonitoringConfig()
    """Alarm recipients and thresholds, the dashboard and the billing guard."""
    batch: BatchConfig = BatchConfig()
    """Scheduled batch transforms. Default: none (no Batch stack)."""

    @property
    def stage_id(self) -> str:
        return self.name.capitalize()

    def inference_component_name(self, endpoint: str, component: str) -> str:
        """The stable physical name of a component of serving.endpoints.<endpoint>.components
        (rules.naming.inference_component_name)."""
        return inference_component_name(self.name_prefix, endpoint, component)

    def endpoint_name(self, endpoint: str) -> str:
        """The stable physical name of the endpoint `endpoint` (a key of serving.endpoints): clients, the smoke
        test and the smoke-test role's policy all find it by this name (ARCHITECTURE section 4)."""
        return endpoint_name(self.name_prefix, endpoint)

    @property
    def tags(self) -> dict[str, str]:
        return {
            "project": self.project,
            "environment": self.name,
            "owner": self.owner,
            "cost-center": self.cost_center,
            **self.extra_tags,
        }

    @model_validator(mode="after")
    def _production_keeps_its_data(self) -> "EnvironmentConfig":
        # Keyed on the stated `production` flag, so a production environment by any name keeps its data.
        if self.production and not (self.retain_data and self.termination_protection):
            raise ValueError(
                "a production environment (production=True) must set retain_data=True and termination_protection=True "
                f"(got retain_data={self.retain_data}, termination_protection={self.termination_protection})"
            )
        return self

    @model_validator(mode="after")
    def _endpoint_names_are_valid(self) -> "EnvironmentConfig":
        # Endpoints carry the stable name `<name_prefix>-<endpoint>`; SageMaker's rule applies to the whole.
        problems = [f"serving.endpoints.{name}: the endpoint name {problem}"
                    for name in self.serving.endpoints
                    if (problem := endpoint_name_problem(endpoint_name(self.name_prefix, name)))]
        problems += [str(problem) for name, endpoint in self.serving.endpoints.items() for component in endpoint.components
                     for problem in component_name_problems(self.inference_component_name(name, component),
                                                            field=f"serving.endpoints.{name}.components.{component}")]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _no_ssm_sessions_in_production(self) -> "EnvironmentConfig":
        # An SSM session is a shell on the instances that serve production traffic and hold its data.
        problems = []
        for name, endpoint in self.serving.endpoints.items():
            options = {f"variants.{index}": variant for index, variant in enumerate(endpoint.variants)}
            options.update(shadow_variant=endpoint.shadow_variant, component_host=endpoint.component_host)
            problems += [problem for where, variant in options.items() if variant is not None
                         for problem in ssm_access_problems(
                             variant.enable_ssm_access, production=self.production,
                             field=f"serving.endpoints.{name}.{where}.enable_ssm_access")]
        raise_problems(problems)
        return self

    @model_validator(mode="after")
    def _monitoring_fits_serving(self) -> "EnvironmentConfig":
        problems = problems_with_serving(self.monitoring, self.serving)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _batch_models_exist(self) -> "EnvironmentConfig":
        # A transform runs one of the serving config's models (its own copy of it, in the Batch stack).
        problems = []
        for name, transform in self.batch.transforms.items():
            model = self.serving.models.get(transform.model)
            if model is None:
                problems.append(f"batch transform {name!r} uses model {transform.model!r}, which is not defined; "
                                f"defined models (serving.models): {sorted(self.serving.models)}")
            elif model.is_multi_model:
                problems.append(f"batch transform {name!r}: model {transform.model!r} is multi-model, which batch "
                                "transform does not support; use a single-model entry of serving.models")
        if problems:
            raise ValueError("; ".join(problems))
        return self
