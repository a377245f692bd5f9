"""A SageMaker model: a container image plus model data, or a registered model package.

The CDK's aws-sagemaker-alpha Model covers images and S3 data only; this construct adds framework images
resolved per region (with the handler settings they need), multi-model mode, registry packages, network
isolation and VPC access, on the aws_sagemaker L1 resource underneath.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from aws_cdk import (
    ArnFormat,
    Resource,
    Stack,
    Token,
    aws_ecr as ecr,
    aws_ecr_assets as ecr_assets,
    aws_iam as iam,
    aws_s3 as s3,
    aws_s3_assets as s3_assets,
    aws_sagemaker as sagemaker,
)
from constructs import Construct

from sagemaker_serving_cdk.errors import PropsError
from sagemaker_serving_cdk.execution_role import SageMakerExecutionRole
from sagemaker_serving_cdk.rules.handler import (
    DEFAULT_ENTRY_POINT,
    framework_environment,
    handler_environment,
    handler_problems,
)
from sagemaker_serving_cdk.rules.images import ecr_reference_problems, framework_image


@dataclass(frozen=True)
class BoundImage:
    uri: str
    framework_environment: Mapping[str, str] = field(default_factory=dict)
    framework: str | None = None
    """Set for framework images, whose handler this construct configures."""
    entry_point: str | None = None


class ContainerImage(ABC):
    """Where a model's container image comes from. Binding it grants the role permission to pull it."""

    @staticmethod
    def from_framework(
        framework: str,
        version: str,
        *,
        python_version: str | None = None,
        processor: str = "cpu",
        entry_point: str | None = DEFAULT_ENTRY_POINT,
    ) -> ContainerImage:
        """A SageMaker framework image (sklearn, xgboost, pytorch) for the stack's region, with the
        handler environment (SAGEMAKER_PROGRAM, SAGEMAKER_SUBMIT_DIRECTORY, ...) set on the model.

        :param entry_point: the handler module packed under code/. Default: inference.py. None: the
            framework's built-in handler (no SAGEMAKER_PROGRAM, no code/; XGBoost only).
        """
        return _FrameworkImage(framework, version, python_version, processor, entry_point)

    @staticmethod
    def from_ecr_repository(
        repository: ecr.IRepository, *, tag: str | None = None, digest: str | None = None
    ) -> ContainerImage:
        """An image in your ECR repository, by tag or by digest (exactly one)."""
        problems = ecr_reference_problems(tag, digest)  # the one copy, shared with the app's config validation
        if problems:
            raise ValueError(f"from_ecr_repository: {'; '.join(map(str, problems))}")
        return _EcrImage(repository, tag, digest)

    @staticmethod
    def from_asset(directory: str, **asset_props: Any) -> ContainerImage:
        """Bring your own container: build `directory`'s Dockerfile into the CDK asset repository."""
        return _AssetImage(directory, asset_props)

    @abstractmethod
    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> BoundImage: ...


class _FrameworkImage(ContainerImage):
    def __init__(
        self, framework: str, version: str, python_version: str | None, processor: str, entry_point: str | None
    ) -> None:
        self.framework, self.version, self.python_version, self.processor = (
            framework,
            version,
            python_version,
            processor,
        )
        self.entry_point = entry_point

    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> BoundImage:
        region = Stack.of(scope).region
        if Token.is_unresolved(region):
            raise PropsError(
                scope,
                "a framework image is resolved per region at synth time; give the stack an "
                "explicit env with a region (got an environment-agnostic stack)",
            )
        image = framework_image(
            self.framework, self.version, region, python_version=self.python_version, processor=self.processor
        )
        role.grant_image_pull([image.repository_arn])
        return BoundImage(
            uri=image.uri,
            framework=self.framework,
            entry_point=self.entry_point,
            framework_environment=framework_environment(region),
        )


class _EcrImage(ContainerImage):
    def __init__(self, repository: ecr.IRepository, tag: str | None, digest: str | None) -> None:
        self.repository, self.tag, self.digest = repository, tag, digest

    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> BoundImage:
        self.repository.grant_pull(role.role)
        uri = (
            self.repository.repository_uri_for_digest(self.digest)
            if self.digest
            else self.repository.repository_uri_for_tag(self.tag)
        )
        return BoundImage(uri=uri)


class _AssetImage(ContainerImage):
    def __init__(self, directory: str, asset_props: Mapping[str, Any]) -> None:
        self.directory, self.asset_props = directory, asset_props

    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> BoundImage:
        asset = ecr_assets.DockerImageAsset(scope, "ImageAsset", directory=self.directory, **self.asset_props)
        asset.repository.grant_pull(role.role)
        return BoundImage(uri=asset.image_uri)


class ModelData(ABC):
    """Where a model's artifacts come from. Binding it grants the role read access."""

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> ModelData:
        """A model.tar.gz in a bucket (e.g. the environment's model bucket)."""
        return _BucketData(bucket, key)

    @staticmethod
    def from_asset(path: str) -> ModelData:
        """A local model.tar.gz, uploaded as a CDK file asset (its key changes only when its bytes do)."""
        return _AssetData(path)

    @staticmethod
    def multi_model(bucket: s3.IBucket, prefix: str) -> ModelData:
        """Multi-model mode: every model.tar.gz under `prefix` (ending in /), loaded on first request."""
        if not prefix.endswith("/"):
            raise ValueError(f"multi-model prefix {prefix!r} must end with '/'")
        return _BucketData(bucket, prefix, multi_model=True)

    multi_model_mode = False

    @abstractmethod
    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> str: ...


class _BucketData(ModelData):
    def __init__(self, bucket: s3.IBucket, key: str, multi_model: bool = False) -> None:
        self.bucket, self.key, self.multi_model_mode = bucket, key, multi_model

    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> str:
        if self.multi_model_mode:
            self.bucket.grant_read(role.role, f"{self.key}*")
            role.acknowledge_object_wildcard(
                self.bucket.arn_for_objects(f"{self.key}*"), "loads any model under the multi-model prefix on demand"
            )
        else:
            self.bucket.grant_read(role.role, self.key)
        return self.bucket.s3_url_for_object(self.key)


class _AssetData(ModelData):
    def __init__(self, path: str) -> None:
        self.path = path

    def bind(self, scope: Construct, role: SageMakerExecutionRole) -> str:
        if not self.path.endswith(".tar.gz"):
            raise ValueError(f"model data asset {self.path!r} must be a model.tar.gz file")
        asset = s3_assets.Asset(scope, "ModelData", path=self.path)
        if not asset.is_file:
            raise ValueError(f"model data asset {self.path!r} must be a file, not a directory")
        # Read exactly this object, not the whole bootstrap asset bucket.
        asset.bucket.grant_read(role.role, asset.s3_object_key)
        return asset.s3_object_url


@runtime_checkable
class IModel(Protocol):
    """A SageMaker model, defined here (`Model`) or imported (`Model.from_model_name`/`from_model_arn`)."""

    @property
    def model_name(self) -> str: ...
    @property
    def model_arn(self) -> str: ...
    @property
    def role(self) -> SageMakerExecutionRole | None:
        """The execution role (None for an imported model: SageMaker already holds its role)."""

    @property
    def multi_model(self) -> bool: ...
    @property
    def network_isolation(self) -> bool: ...
    @property
    def in_vpc(self) -> bool: ...


class _ImportedModel(Resource):
    """A model defined elsewhere. Its traits are unknown here, so they are taken as SageMaker's defaults."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_name: str,
        model_arn: str,
        role: SageMakerExecutionRole | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.model_name, self.model_arn, self.role = model_name, model_arn, role
        self.multi_model = self.network_isolation = self.in_vpc = False


class Model(Resource):
    """A SageMaker model (`AWS::SageMaker::Model`, id `Resource`) with no physical name.

    Give `image` and `model_data`, or `model_package_arn` alone.

    :param role: the execution role; pull and read grants are added to it. Default: a new least-privilege role
        (`SageMakerExecutionRole`, construct id `Role`) holding only this model's grants: pull its image, read its
        data, write its logs and metrics. Never AmazonSageMakerFullAccess.
    :param image: the container image. Framework images also set the handler environment. Default: none (then
        `model_package_arn` is required).
    :param model_data: the artifacts. None: only with a model package (or an image that needs none).
    :param model_package_arn: a registered model package version; it brings its own image and data. Default: none.
    :param handler_source: multi-model framework models only: a local sourcedir.tar.gz of the handler, uploaded
        as an asset; the container downloads and imports it at start (SAGEMAKER_SUBMIT_DIRECTORY=s3://...).
        Default: none.
    :param environment: extra container environment. Default: none beyond the handler settings.
    :param network_isolation: no network access for the container. Default: True.
    :param subnet_ids, security_group_ids: run the model's ENIs in your VPC. Default: no VPC.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role: SageMakerExecutionRole | None = None,
        image: ContainerImage | None = None,
        model_data: ModelData | None = None,
        model_package_arn: str | None = None,
        handler_source: str | None = None,
        environment: Mapping[str, str] | None = None,
        network_isolation: bool = True,
        subnet_ids: Sequence[str] = (),
        security_group_ids: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        if model_package_arn is not None and (image is not None or model_data is not None):
            raise PropsError(
                self,
                "a model package brings its own image and data; pass model_package_arn alone "
                f"(got image={image!r}, model_data={model_data!r})",
            )
        if model_package_arn is None and image is None:
            raise PropsError(self, "give an image (with model_data) or a model_package_arn (got neither)")
        if bool(subnet_ids) != bool(security_group_ids):
            raise PropsError(
                self,
                "VPC access needs both subnet_ids and security_group_ids "
                f"(got {list(subnet_ids)} and {list(security_group_ids)})",
            )
        if role is None:
            role = SageMakerExecutionRole(self, "Role", description=f"Runs the SageMaker model {self.node.path}")
        self.role: SageMakerExecutionRole = role
        self.multi_model = bool(model_data and model_data.multi_model_mode)
        self.network_isolation = network_isolation
        self.in_vpc = bool(subnet_ids)

        if model_package_arn is not None:
            container = sagemaker.CfnModel.ContainerDefinitionProperty(
                model_package_name=model_package_arn, environment=dict(environment) if environment else None
            )
        else:
            assert image is not None  # noqa: S101 - checked above: an image is given when there is no package
            bound = image.bind(self, role)
            env = {
                **self._handler_environment(bound, role, handler_source, environment),
                **bound.framework_environment,
                **(environment or {}),
            }
            container = sagemaker.CfnModel.ContainerDefinitionProperty(
                image=bound.uri,
                model_data_url=model_data.bind(self, role) if model_data else None,
                mode="MultiModel" if self.multi_model else "SingleModel",
                environment=env or None,
            )
        vpc_config = None
        if subnet_ids:
            role.grant_vpc_access()
            vpc_config = sagemaker.CfnModel.VpcConfigProperty(
                subnets=list(subnet_ids), security_group_ids=list(security_group_ids)
            )

        self.model = sagemaker.CfnModel(
            self,
            "Resource",
            execution_role_arn=role.role.role_arn,
            primary_container=container,
            enable_network_isolation=network_isolation,
            vpc_config=vpc_config,
        )
        # The role's policy must exist before SageMaker validates image and data access at CreateModel.
        self.model.node.add_dependency(role.role)
        self.model_name = self.model.attr_model_name
        self.model_arn = self.model.ref  # Ref of AWS::SageMaker::Model is its ARN

    @staticmethod
    def from_model_name(
        scope: Construct, construct_id: str, model_name: str, *, role: SageMakerExecutionRole | None = None
    ) -> IModel:
        """A model that exists already, by name."""
        arn = Stack.of(scope).format_arn(
            service="sagemaker", resource="model", resource_name=model_name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )
        return _ImportedModel(scope, construct_id, model_name=model_name, model_arn=arn, role=role)

    @staticmethod
    def from_model_arn(
        scope: Construct, construct_id: str, model_arn: str, *, role: SageMakerExecutionRole | None = None
    ) -> IModel:
        """A model that exists already, by ARN (`arn:aws:sagemaker:REGION:ACCOUNT:model/NAME`)."""
        name = Stack.of(scope).split_arn(model_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
        return _ImportedModel(scope, construct_id, model_name=name or model_arn, model_arn=model_arn, role=role)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role.role.grant_principal

    def _handler_environment(
        self,
        bound: BoundImage,
        role: SageMakerExecutionRole,
        handler_source: str | None,
        environment: Mapping[str, str] | None,
    ) -> dict[str, str]:
        if bound.framework is None:
            if handler_source is not None:
                raise PropsError(
                    self, f"handler_source is for framework images (got {handler_source!r}); your image brings its code"
                )
            return {}
        problems = handler_problems(
            bound.framework,
            bound.entry_point,
            None,
            multi_model=self.multi_model,
            network_isolation=self.network_isolation,
            environment=environment,
        )
        if self.multi_model and bound.entry_point is not None and handler_source is None:
            problems.append(
                "a multi-model model needs handler_source (sourcedir.tar.gz): nothing exists under "
                "/opt/ml/model when the container imports its handler at start"
            )
        if handler_source is not None and not (self.multi_model and bound.entry_point is not None):
            problems.append(
                "handler_source is only for multi-model models with a handler; single models carry "
                "theirs under code/ in model.tar.gz"
            )
        if problems:
            raise PropsError(self, problems)
        submit_directory = None
        if handler_source is not None:
            asset = s3_assets.Asset(self, "HandlerSource", path=handler_source)
            asset.bucket.grant_read(role.role, asset.s3_object_key)
            submit_directory = asset.s3_object_url
        return handler_environment(bound.entry_point, submit_directory, network_isolation=self.network_isolation)
