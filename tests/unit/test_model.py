"""Model, its image and data sources, and the framework image table."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_ecr as ecr
from aws_cdk.assertions import Match

from inference_code.framework import SKLEARN_FRAMEWORK_VERSION, XGBOOST_FRAMEWORK_VERSION
from sagemaker_serving_cdk.rules.images import UnsupportedFrameworkImage, framework_image, supported_versions
from sagemaker_serving_cdk import ModelData, ContainerImage, Model
from stacks.application import cdk_context
from tests.unit.serving_kit import actions_of, dumps, make_kit, only, policy_statements

SKLEARN_US_EAST_1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.fixture
def kit(bare_stack):
    return make_kit(bare_stack)


# ------------------------------------------------------------------------------------ framework image table


def test_handler_framework_versions_exist_in_the_table():
    """The constants inference_code/framework.py pins must name images the table can resolve."""
    assert SKLEARN_FRAMEWORK_VERSION in supported_versions("sklearn")
    assert XGBOOST_FRAMEWORK_VERSION in supported_versions("xgboost")


@pytest.mark.parametrize("framework, version, region, uri", [
    ("sklearn", "1.2-1", "us-east-1", SKLEARN_US_EAST_1),
    ("sklearn", "1.2-1", "us-west-2", "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ("xgboost", "3.0-5", "eu-west-1", "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"),
    ("pytorch", "2.5.1", "us-east-1", "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5.1-cpu-py311"),
    # Deep Learning Containers live in other accounts than the SageMaker framework images in some regions.
    ("pytorch", "2.1.0", "eu-south-1", "692866216735.dkr.ecr.eu-south-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"),
])
def test_framework_image_uri_per_region(framework, version, region, uri):
    assert framework_image(framework, version, region).uri == uri


def test_pytorch_gpu_image_and_repository_arn():
    image = framework_image("pytorch", "2.4.0", "us-east-2", processor="gpu")
    assert image.tag == "2.4.0-gpu-py311"
    assert image.repository_arn == "arn:aws:ecr:us-east-2:763104351884:repository/pytorch-inference"


@pytest.mark.parametrize("args, kwargs, message", [
    (("tensorflow", "2.1", "us-east-1"), {}, "framework 'tensorflow' is not supported; supported: sklearn, xgboost, pytorch"),
    (("sklearn", "0.99-1", "us-east-1"), {}, "sklearn framework version '0.99-1' is not supported; supported: 1.0-1, 1.2-1"),
    (("sklearn", "1.2-1", "cn-north-1"), {}, "no sklearn framework image registry is known for region 'cn-north-1'"),
    (("pytorch", "2.5.1", "us-gov-west-1"), {}, "no pytorch framework image registry is known for region 'us-gov-west-1'"),
    (("pytorch", "2.5.1", "us-east-1"), {"python_version": "py39"}, "pytorch 2.5.1 has no image for Python 'py39'; available: py311"),
    (("sklearn", "1.2-1", "us-east-1"), {"processor": "gpu"}, "sklearn has no 'gpu' inference image; available: cpu"),
])
def test_fails_on_unsupported_framework_image(args, kwargs, message):
    with pytest.raises(UnsupportedFrameworkImage, match=message.replace("(", r"\(").replace(")", r"\)")):
        framework_image(*args, **kwargs)


# ------------------------------------------------------------------------------------ framework models


def test_framework_model_runs_the_handler_from_model_tar(kit):
    kit.model()
    kit.template().has_resource_properties("AWS::SageMaker::Model", {"PrimaryContainer": {
        "Image": SKLEARN_US_EAST_1,
        "Mode": "SingleModel",
        "Environment": {
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "SAGEMAKER_REGION": "us-east-1",
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
            "PIP_NO_BUILD_ISOLATION": "0",
            "PIP_NO_INDEX": "1",
        },
    }})


def test_named_entry_point_becomes_sagemaker_program(kit):
    kit.model(image=ContainerImage.from_framework("sklearn", "1.2-1", entry_point="serve.py"), network_isolation=False)
    env = only(kit.template().find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]["Environment"]
    assert env["SAGEMAKER_PROGRAM"] == "serve.py" and env["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    assert "PIP_NO_INDEX" not in env  # with network access a requirements.txt may still download


def test_builtin_handler_gets_no_program_and_no_code_directory(kit):
    kit.model(image=ContainerImage.from_framework("xgboost", "3.0-5", entry_point=None))
    env = only(kit.template().find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]["Environment"]
    assert env == {"SAGEMAKER_CONTAINER_LOG_LEVEL": "20", "SAGEMAKER_REGION": "us-east-1"}


def test_fails_on_builtin_handler_for_sklearn(kit):
    with pytest.raises(ValueError, match="the sklearn image has no built-in handler"):
        kit.model(image=ContainerImage.from_framework("sklearn", "1.2-1", entry_point=None))


def test_extra_environment_is_merged_over_the_handler_settings(kit):
    kit.model(environment={"SAGEMAKER_CONTAINER_LOG_LEVEL": "10", "FEATURE_FLAG": "on"})
    env = only(kit.template().find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]["Environment"]
    assert env["SAGEMAKER_CONTAINER_LOG_LEVEL"] == "10" and env["FEATURE_FLAG"] == "on"
    assert env["SAGEMAKER_PROGRAM"] == "inference.py"


def test_role_may_pull_exactly_the_framework_repository(kit):
    kit.model()
    pulls = [s for s in policy_statements(kit.template()) if "ecr:BatchGetImage" in actions_of(s)]
    assert [p["Resource"] for p in pulls] == ["arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn"]


def test_model_has_no_physical_name_network_isolation_and_a_resource_id(kit):
    model = kit.model()
    kit.template().has_resource_properties("AWS::SageMaker::Model", {
        "ModelName": Match.absent(), "EnableNetworkIsolation": True, "VpcConfig": Match.absent()})
    assert model.model.node.id == "Resource"


def test_network_isolation_can_be_turned_off(kit):
    kit.model(network_isolation=False)
    kit.template().has_resource_properties("AWS::SageMaker::Model", {"EnableNetworkIsolation": False})


def test_model_waits_for_the_role_policy(kit):
    kit.model()
    model = only(kit.template().find_resources("AWS::SageMaker::Model"))
    assert any(dep.startswith("RoleDefaultPolicy") for dep in model["DependsOn"])


def test_fails_on_framework_image_in_a_region_agnostic_stack():
    stack = Stack(App(context=cdk_context()), "Agnostic")
    kit = make_kit(stack)
    with pytest.raises(ValueError, match="resolved per region at synth time; give the stack an explicit env"):
        kit.model()


# ------------------------------------------------------------------------------------ other images


def test_ecr_image_by_digest_and_pull_grant_on_that_repository(kit):
    repository = ecr.Repository(kit.stack, "Repo")
    digest = "sha256:" + "a" * 64
    kit.model(image=ContainerImage.from_ecr_repository(repository, digest=digest))
    model = only(kit.template().find_resources("AWS::SageMaker::Model"))
    assert f"@{digest}" in dumps(model["Properties"]["PrimaryContainer"]["Image"])
    assert "SAGEMAKER_PROGRAM" not in dumps(model)  # your container, your entry point
    pulls = [s for s in policy_statements(kit.template()) if "ecr:BatchGetImage" in actions_of(s)]
    assert "Repo" in dumps(pulls)


def test_ecr_image_by_tag(kit):
    repository = ecr.Repository(kit.stack, "Repo")
    kit.model(image=ContainerImage.from_ecr_repository(repository, tag="v7"))
    image = only(kit.template().find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]["Image"]
    assert dumps(image).endswith(':v7"]]}')


@pytest.mark.parametrize("kwargs", [{}, {"tag": "v1", "digest": "sha256:" + "b" * 64}])
def test_fails_on_ecr_image_without_exactly_one_of_tag_or_digest(kit, kwargs):
    with pytest.raises(ValueError, match="exactly one of tag or digest"):
        ContainerImage.from_ecr_repository(ecr.Repository(kit.stack, "Repo"), **kwargs)


def test_bring_your_own_container_from_a_dockerfile(kit, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.11-slim\n")
    kit.model(image=ContainerImage.from_asset(str(tmp_path)))
    image = only(kit.template().find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]["Image"]
    assert "cdk-hnb659fds-container-assets" in dumps(image)


# ------------------------------------------------------------------------------------ model data


def test_model_data_from_a_key_reads_only_that_object(kit):
    kit.model(key="models/v3/model.tar.gz")
    model = only(kit.template().find_resources("AWS::SageMaker::Model"))
    assert "/models/v3/model.tar.gz" in dumps(model["Properties"]["PrimaryContainer"]["ModelDataUrl"])
    assert any("/models/v3/model.tar.gz" in dumps(s["Resource"]) for s in policy_statements(kit.template()))


def test_model_data_from_a_local_tarball_asset(kit, tmp_path):
    tarball = tmp_path / "model.tar.gz"
    tarball.write_bytes(b"not really gzip, the asset only hashes it")
    kit.model(model_data=ModelData.from_asset(str(tarball)))
    template = kit.template()
    url = only(template.find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]["ModelDataUrl"]
    assert "cdk-hnb659fds-assets-123456789012-us-east-1" in dumps(url)
    # Read exactly the asset object, not the whole bootstrap bucket.
    reads = [s for s in policy_statements(template) if "cdk-hnb659fds-assets" in dumps(s["Resource"])]
    assert reads and not any(dumps(s["Resource"]).endswith('/*"]]}') for s in reads)


def test_fails_on_a_model_data_asset_that_is_not_a_tarball(kit, tmp_path):
    other = tmp_path / "model.joblib"
    other.write_bytes(b"x")
    with pytest.raises(ValueError, match="must be a model.tar.gz file"):
        kit.model(model_data=ModelData.from_asset(str(other)))


def test_multi_model_mode_serves_a_prefix_with_the_handler_from_s3(kit, tmp_path):
    source = tmp_path / "sourcedir.tar.gz"
    source.write_bytes(b"the asset only hashes it")
    model = kit.model(model_data=ModelData.multi_model(kit.models_bucket, "models/multi/"), handler_source=str(source),
                      network_isolation=False)
    template = kit.template()
    container = only(template.find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]
    assert container["Mode"] == "MultiModel"
    assert dumps(container["ModelDataUrl"]).endswith('/models/multi/"]]}')
    assert model.multi_model
    submit = dumps(container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"])
    assert submit.startswith('"s3://cdk-hnb659fds-assets-123456789012-us-east-1/')  # the container downloads it
    reads = [s for s in policy_statements(template) if "cdk-hnb659fds-assets" in dumps(s["Resource"])]
    assert reads and not any(dumps(s["Resource"]).endswith('/*"]]}') for s in reads)


@pytest.mark.parametrize("props, message", [
    ({"network_isolation": False}, "a multi-model model needs handler_source"),
    ({"handler_source": "x.tar.gz"}, "needs network access: set network_isolation to False"),
    ({"network_isolation": False, "handler_source": "x.tar.gz", "environment": {"MAX_CONTENT_LENGTH": "52428800"}},
     "accepts at most 20971520 bytes"),
])
def test_fails_on_multi_model_handler_settings_the_image_cannot_start_with(kit, props, message):
    with pytest.raises(ValueError, match=message):
        kit.model(model_data=ModelData.multi_model(kit.models_bucket, "models/multi/"), **props)


def test_fails_on_handler_source_for_a_single_model(kit):
    with pytest.raises(ValueError, match="handler_source is only for multi-model models"):
        kit.model(handler_source="x.tar.gz")


def test_fails_on_a_multi_model_prefix_without_trailing_slash(kit):
    with pytest.raises(ValueError, match="must end with '/'"):
        ModelData.multi_model(kit.models_bucket, "models/multi")


# ------------------------------------------------------------------------------------ registry packages and VPC


def test_registry_package_model_has_no_image_or_data(kit):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlinf-test-models/3"
    Model(kit.stack, "Registered", role=kit.role, model_package_arn=arn)
    container = only(kit.template().find_resources("AWS::SageMaker::Model"))["Properties"]["PrimaryContainer"]
    assert container == {"ModelPackageName": arn}


def test_fails_on_a_registry_package_with_an_image(kit):
    with pytest.raises(ValueError, match="a model package brings its own image and data"):
        Model(kit.stack, "Both", role=kit.role, model_package_arn="arn:x",
                       image=ContainerImage.from_framework("sklearn", "1.2-1"))


def test_fails_without_image_or_package(kit):
    with pytest.raises(ValueError, match="give an image \\(with model_data\\) or a model_package_arn"):
        Model(kit.stack, "Nothing", role=kit.role)


def test_vpc_model_gets_subnets_security_groups_and_eni_permissions(kit):
    kit.model(subnet_ids=["subnet-0123456789abcdef0"], security_group_ids=["sg-0123456789abcdef0"])
    template = kit.template()
    template.has_resource_properties("AWS::SageMaker::Model", {"VpcConfig": {
        "Subnets": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]}})
    eni = [s for s in policy_statements(template) if "ec2:CreateNetworkInterface" in actions_of(s)]
    assert len(eni) == 1 and "ec2:DescribeVpcs" in actions_of(eni[0])


def test_fails_on_vpc_access_without_security_groups(kit):
    with pytest.raises(ValueError, match="needs both subnet_ids and security_group_ids"):
        kit.model(subnet_ids=["subnet-0123456789abcdef0"])
