"""SageMaker in the local emulator: what moto 5.2.5 lacks for a stage to deploy, answer and run batch jobs as on AWS.

Applied in-process by tools.emulator_server (one more fix each, same rules: closer to the service, templates and
the CDK CLI unchanged):

6. CreateModel (API and CloudFormation) checks that the model data exists, as SageMaker does ("Could not find
   model data at s3://..."), and that a referenced model package exists; moto accepted anything, so a stage
   deployed whose first real deploy would fail. Multi-model prefixes are not checked (SageMaker loads per request).
   An `AWS::SageMaker::Endpoint`'s `EndpointName` is its name (moto ignored it and generated one, so a stable
   endpoint name from the template could not be called).
7. `AWS::SageMaker::ModelPackageGroup` is created (moto had no CloudFormation model for it), so model packages
   can be registered in the stage's group and models can reference them.
8. InvokeEndpoint and InvokeEndpointAsync run the model: endpoint -> variant (TargetVariant, else by weight) ->
   model or model package -> its container (Image, ModelDataUrl, Environment, Mode), served by the image's own
   serving code (tools.serving_runtime.DeployedModels: one server per deployed container on 127.0.0.1, started
   on first use with bounded time, artifacts and a multi-model handler's sourcedir.tar.gz read from this
   process's S3; TargetModel loads through MMS's management API on first use). A model error is a 424
   ModelError naming the variant and the model's status, as SageMaker reports it. Async requests read the input
   object and write `<inference id>.out` to the endpoint's S3OutputPath on 200, else
   `<inference id>-error.out` to its S3FailurePath, with its KMS key (moto wrote a fixed object to a bucket of
   its own), and publish the result notification to the config's SuccessTopic or ErrorTopic if it names one.
   close_runtime() stops every server; tools.emulator_server calls it when the emulator stops.
9. CreateTransformJob runs the job before answering: every object under the S3 prefix, split by line and sent
   through the same servers in mini-batches of at most MaxPayloadInMB (MultiRecord) or one line per request
   (SingleRecord), the answers assembled by line, one output line per input line, into `<key>.out` under
   S3OutputPath with the output KMS key; the job ends Completed, or Failed with the reason (moto marked every
   job Completed and wrote nothing). Gzip input is decompressed.
   DataProcessing on CSV follows the documented row-as-array semantics: InputFilter selects what the model
   gets, JoinSource=Input appends each prediction to its input row, OutputFilter selects from that; the
   JSONPath subset is `$`, `$[a:b]` and `$[i,j,...]` (anything else, or JSON data, fails saying so).
10. Step Functions runs executions (moto's interpreter, `execute_state_machine`) and the optimised
    `arn:aws:states:::sagemaker:createTransformJob.sync` integration: create the job, then wait until it is
    Completed (succeed) or Failed/Stopped (fail, with the job as the cause). State machines created by
    CloudFormation live in the interpreter's backend, so executions of a deployed batch stack run. The context
    object carries `$$.Execution.RedriveCount` (0: executions here are never redriven), as on AWS; moto's lacked
    it, and our transform job names use it.
16. Endpoint configs accept every instance type SageMaker's API accepts (botocore's ProductionVariantInstanceType,
    277 types at botocore 1.44.8); moto checked a list of its own with 66, so a config on `ml.g5.xlarge`,
    `ml.m6i.large` or `ml.c7i.xlarge` failed to deploy. Any other value still fails with the enum message.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import random
import re
import threading
import uuid
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

from tools import serving_runtime, serving_stacks


# --------------------------------------------------------------------------------------------- resolution


def _s3(account_id: str):
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def _find(account_id: str, uri: str):
    """The object (moto's FakeKey), or None when the bucket or key does not exist."""
    from moto.s3.exceptions import MissingBucket

    bucket, key = _split(uri)
    try:
        return _s3(account_id).get_object(bucket, key)
    except MissingBucket:
        return None


def read_object(account_id: str, uri: str) -> Optional[bytes]:
    """The object's bytes, or None when the bucket or key does not exist."""
    found = _find(account_id, uri)
    return bytes(found.value) if found is not None else None


def object_exists(account_id: str, uri: str) -> bool:
    return _find(account_id, uri) is not None


def write_object(account_id: str, uri: str, data: bytes, kms_key_id: Optional[str]) -> None:
    bucket, key = _split(uri)
    encryption = {"encryption": "aws:kms", "kms_key_id": kms_key_id} if kms_key_id else {}
    _s3(account_id).put_object(bucket, key, data, **encryption)


def _backend(account_id: str, region: str):
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[account_id][region]


def _validation(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


def container_of(account_id: str, region: str, model_name: str) -> dict[str, Any]:
    """The container a model runs, as CreateModel stored it (Image, ModelDataUrl, Environment, Mode), through its
    model package if it has one (the package's container, with the model's Environment on top)."""
    model = _backend(account_id, region).describe_model(model_name)
    container = model.primary_container or (model.containers[0] if model.containers else {})
    environment = dict(container.get("Environment") or {})
    if container.get("ModelPackageName"):
        package = _backend(account_id, region).describe_model_package(container["ModelPackageName"])
        packaged = package.inference_specification["Containers"][0]
        return {"Image": packaged.get("Image", ""), "ModelDataUrl": packaged.get("ModelDataUrl", ""),
                "Environment": {**(packaged.get("Environment") or {}), **environment}, "Mode": "SingleModel"}
    return {"Image": container.get("Image", ""), "ModelDataUrl": container.get("ModelDataUrl", ""),
            "Environment": environment, "Mode": container.get("Mode", "SingleModel")}


# --------------------------------------------------------------------------------------------- the model runtime
# Every prediction goes through the image's own serving code (tools.serving_runtime): one server per deployed
# container, started on first use, loading its artifact (and a multi-model handler's sourcedir.tar.gz) from this
# process's S3 backend, and stopped by close_runtime() when the emulator stops.

_runtimes: dict[str, serving_runtime.DeployedModels] = {}
_runtimes_guard = threading.Lock()


def runtime_for(account_id: str) -> serving_runtime.DeployedModels:
    """The account's deployed models (servers read the account's own S3)."""
    def fetch_s3(url: str, local: Path) -> None:
        data = read_object(account_id, url)
        if data is None:
            raise serving_runtime.ServingError(f"Could not find model data at {url}.")
        local.write_bytes(data)

    with _runtimes_guard:
        if account_id not in _runtimes:
            _runtimes[account_id] = serving_runtime.DeployedModels(fetch_s3)
        return _runtimes[account_id]


def close_runtime() -> None:
    """Stop every model server this emulator started (by PID, bounded time)."""
    with _runtimes_guard:
        runtimes = list(_runtimes.values())
        _runtimes.clear()
    for runtime in runtimes:
        runtime.close()


def _answer(account_id: str, container: dict, body: bytes, content_type: Optional[str], accept: Optional[str],
            target_model: Optional[str] = None) -> tuple[int, bytes, str]:
    """(status, body, content type) the container answers; a server or model that cannot start answers 500 with
    the reason, as a container whose model_fn raised does."""
    try:
        reply = runtime_for(account_id).invoke(container, body, content_type, accept, target_model)
    except (serving_runtime.ServingError, serving_stacks.StackError) as error:
        return 500, f"model failed to load: {error}".encode(), "text/plain"
    return reply.status, reply.body, reply.headers.get("content-type", "application/octet-stream")


def _model_error(message: str, original_status: int) -> Exception:
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError("ModelError", message)
    error.code = 424
    error.description = json.dumps({"__type": "ModelError", "message": message, "OriginalStatusCode": original_status})
    return error


def predict(account_id: str, region: str, endpoint_name: str, body: bytes, *, content_type: str,
            accept: Optional[str], target_model: Optional[str] = None,
            target_variant: Optional[str] = None, asynchronous: bool = False,
            inference_component: Optional[str] = None) -> tuple[int, bytes, str, str]:
    """(status, body, content type, variant) of one request to a deployed endpoint (to one of its inference
    components when it hosts them: tools/emulator_inference_components.py, fix 14)."""
    from tools import emulator_inference_components

    backend = _backend(account_id, region)
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise _validation(f"Endpoint {endpoint_name} of account {account_id} not found.")
    config = backend.endpoint_configs[endpoint.endpoint_config_name]
    if config.async_inference_config and not asynchronous:
        raise _validation(f"Endpoint {endpoint_name} is an asynchronous endpoint: use InvokeEndpointAsync "
                          "(InvokeEndpoint is rejected there, ARCHITECTURE 6.11).")
    routed = emulator_inference_components.routed(account_id, region, endpoint_name, config.production_variants,
                                                  inference_component)
    if routed is not None:  # the component's container, on the variant hosting it
        container, name = routed
    else:
        variants = {v["VariantName"]: v for v in config.production_variants}
        if target_variant is not None:
            if target_variant not in variants:
                raise _validation(f"Variant {target_variant} not found for endpoint {endpoint_name}.")
            name = target_variant
        else:
            weights = {v["VariantName"]: float(v.get("CurrentWeight", v.get("DesiredWeight", 1.0)))
                       for v in endpoint.production_variants}
            name = random.choices(list(weights), weights=[max(w, 0.0) for w in weights.values()])[0] \
                if any(w > 0 for w in weights.values()) else next(iter(variants))
        container = container_of(account_id, region, variants[name]["ModelName"])
    uri = container["ModelDataUrl"]
    if container["Mode"] == "MultiModel":
        if not target_model:
            raise _validation(f"Endpoint {endpoint_name} is a multi-model endpoint: the request needs TargetModel.")
        uri = f"{uri.rstrip('/')}/{target_model.lstrip('/')}"
    elif target_model:
        raise _validation(f"Endpoint {endpoint_name} is not a multi-model endpoint: TargetModel is not accepted "
                          "(emulator check).")
    if not object_exists(account_id, uri):
        raise _validation(f"Could not find model data at {uri}.")
    status, answer, answer_type = _answer(account_id, container, body, content_type, accept, target_model)
    return status, answer, answer_type, name


def _raise_for_status(status: int, answer: bytes, variant: str) -> None:
    if status < 400:
        return
    kind = "client" if status < 500 else "server"
    text = answer.decode("utf-8", errors="replace")[:1000]
    raise _model_error(f'Received {kind} error ({status}) from {variant} with message "{text}".', status)


# --------------------------------------------------------------------------------------------- fixes


def _patch_create_model() -> None:
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.create_model

    def create_model(self, model_name, execution_role_arn, primary_container, vpc_config, containers, tags):
        for container in [primary_container or {}, *(containers or [])]:
            if container.get("ModelPackageName"):
                self.describe_model_package(container["ModelPackageName"])  # raises when it does not exist
            elif container.get("ModelDataUrl") and container.get("Mode", "SingleModel") != "MultiModel":
                if not object_exists(self.account_id, container["ModelDataUrl"]):
                    raise _validation(f"Could not find model data at {container['ModelDataUrl']}.")
        return original(self, model_name, execution_role_arn, primary_container, vpc_config, containers, tags)

    SageMakerModelBackend.create_model = create_model


def _patch_endpoint_names() -> None:
    from moto.sagemaker.models import FakeEndpoint

    FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")


def _patch_model_package_groups() -> None:
    from moto.core.common_models import CloudFormationModel

    class StackModelPackageGroup(CloudFormationModel):
        """A model package group a stack created (Ref = name, GetAtt ModelPackageGroupArn)."""

        __module__ = "moto.sagemaker"

        def __init__(self, name: str, arn: str):
            self.name, self.arn = name, arn

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "ModelPackageGroupName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SageMaker::ModelPackageGroup"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in {"ModelPackageGroupArn", "ModelPackageGroupName"}

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.arn if attribute_name == "ModelPackageGroupArn" else self.name

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json.get("Properties", {})
            name = p.get("ModelPackageGroupName") or resource_name
            arn = _backend(account_id, region_name).create_model_package_group(
                name, p.get("ModelPackageGroupDescription", ""), tags=p.get("Tags", []))
            return cls(name, arn)

        def delete(self, account_id: str, region_name: str) -> None:
            _backend(account_id, region_name).model_package_groups.pop(self.name, None)

    assert StackModelPackageGroup.cloudformation_type() == "AWS::SageMaker::ModelPackageGroup"


def _patch_runtime() -> None:
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    def invoke_endpoint(self):
        endpoint_name = self.path.split("/")[2]
        status, answer, answer_type, variant = predict(
            self.current_account, self.region, endpoint_name, _raw(self.raw_body),
            content_type=self.headers.get("Content-Type", "application/octet-stream"),
            accept=self.headers.get("Accept"),
            target_model=self.headers.get("X-Amzn-SageMaker-Target-Model"),
            target_variant=self.headers.get("X-Amzn-SageMaker-Target-Variant"),
            inference_component=self.headers.get("X-Amzn-SageMaker-Inference-Component"))
        _raise_for_status(status, answer, variant)
        return 200, {"Content-Type": answer_type, "x-Amzn-Invoked-Production-Variant": variant}, answer

    def invoke_endpoint_async(self):
        account, region = self.current_account, self.region
        endpoint_name = self.path.split("/")[2]
        input_location = self.headers.get("X-Amzn-SageMaker-InputLocation")
        inference_id = self.headers.get("X-Amzn-SageMaker-Inference-Id") or str(uuid.uuid4())
        backend = _backend(account, region)
        endpoint = backend.endpoints.get(endpoint_name)
        if endpoint is None:
            raise _validation(f"Endpoint {endpoint_name} of account {account} not found.")
        async_config = backend.endpoint_configs[endpoint.endpoint_config_name].async_inference_config or {}
        output = async_config.get("OutputConfig")
        if not output:
            raise _validation(f"Endpoint {endpoint_name} is not an asynchronous endpoint; use InvokeEndpoint.")
        payload = read_object(account, input_location or "")
        if payload is None:
            raise _validation(f"Could not access the input at {input_location}.")
        received = _now()
        output_uri = f"{output['S3OutputPath'].rstrip('/')}/{inference_id}.out"
        failure_uri = f"{output.get('S3FailurePath', output['S3OutputPath']).rstrip('/')}/{inference_id}-error.out"
        content_type = self.headers.get("X-Amzn-SageMaker-Content-Type", "application/octet-stream")
        try:
            status, answer, answer_type, variant = predict(
                account, region, endpoint_name, payload, content_type=content_type,
                accept=self.headers.get("X-Amzn-SageMaker-Accept"), asynchronous=True)
        except Exception as error:  # the container could not answer at all: the failure object says why
            status, answer, answer_type, variant = 500, str(error).encode(), "text/plain", "-"
        if status == 200:
            write_object(account, output_uri, answer, output.get("KmsKeyId"))
        else:
            write_object(account, failure_uri, f"Received error ({status}) from {variant}: ".encode() + answer,
                         output.get("KmsKeyId"))
        notification = {
            "awsRegion": region, "receivedTime": received, "eventTime": _now(), "inferenceId": inference_id,
            "invocationStatus": "Completed" if status == 200 else "Failed",
            "requestParameters": {"contentType": content_type, "endpointName": endpoint_name,
                                  "inputLocation": input_location},
            "responseParameters": {"contentType": answer_type,
                                   **({"outputLocation": output_uri} if status == 200 else {"failureLocation": failure_uri})},
            "eventVersion": "1.0", "eventSource": "aws:sagemaker", "eventName": "InferenceResult",
            **({} if status == 200 else {"failureReason": f"ClientError: Received error ({status}) from {variant}"}),
        }
        topics = output.get("NotificationConfig") or {}
        _notify(account, topics.get("SuccessTopic" if status == 200 else "ErrorTopic"), notification)
        headers = {"X-Amzn-SageMaker-OutputLocation": output_uri, "X-Amzn-SageMaker-FailureLocation": failure_uri}
        return 202, headers, json.dumps({"InferenceId": inference_id})

    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint
    SageMakerRuntimeResponse.invoke_endpoint_async = invoke_endpoint_async


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _notify(account_id: str, topic_arn: Optional[str], message: dict) -> None:
    """Publish an async result notification to the endpoint's topic (none configured: nothing is sent)."""
    if not topic_arn:
        return
    from moto.sns.models import sns_backends

    region = topic_arn.split(":")[3]
    sns_backends[account_id][region].publish(json.dumps(message), arn=topic_arn)


def _raw(body) -> bytes:
    # moto keeps the request body as received in raw_body (body is decoded to text for JSON protocols).
    return body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")


def select(expression: Optional[str], values: list[str], field: str) -> list[str]:
    """The JSONPath subset batch transform documents for CSV rows (each row taken as an array): `$`, a slice
    `$[a:b]` and a union of indices `$[i,j,...]`, negative indices counting from the end."""
    if expression in (None, "", "$"):
        return values
    sliced = re.fullmatch(r"\$\[(-?\d*):(-?\d*)\]", expression)
    if sliced:
        start, stop = sliced.groups()
        return values[int(start) if start else None:int(stop) if stop else None]
    indices = re.fullmatch(r"\$\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]", expression)
    if indices:
        try:
            return [values[int(i)] for i in indices.group(1).split(",")]
        except IndexError:
            raise RuntimeError(f"ClientError: {field} {expression} selects past the end of a row of {len(values)}") from None
    raise RuntimeError(f"the emulator does not implement DataProcessing.{field}={expression} (only $, $[a:b] and "
                       "$[i,j,...] on CSV)")


def _csv_row(line: bytes) -> list[str]:
    return next(csv.reader([line.decode("utf-8")]), [])


def _csv_line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue().encode("utf-8")


def run_transform_job(account_id: str, region: str, job: Any) -> None:
    """Run the job to its end state (Completed or Failed with the reason)."""
    from moto.s3.models import FakeKey

    try:
        processing = job.data_processing or {}
        join_input = processing.get("JoinSource", "None") == "Input"
        content_type = job.transform_input.get("ContentType", "text/csv")
        processed = join_input or any(processing.get(k) not in (None, "", "$") for k in ("InputFilter", "OutputFilter"))
        compression = job.transform_input.get("CompressionType", "None")
        source = job.transform_input["DataSource"]["S3DataSource"]
        unsupported = [f"S3DataType={source['S3DataType']}"] if source.get("S3DataType", "S3Prefix") != "S3Prefix" else []
        if processed and (content_type.split(";")[0] != "text/csv" or job.transform_output.get("Accept", "text/csv") != "text/csv"):
            unsupported.append(f"DataProcessing on {content_type} (only text/csv in and out)")
        if compression not in ("None", "Gzip"):
            unsupported.append(f"CompressionType={compression}")
        if unsupported:
            raise RuntimeError(f"the emulator does not implement {', '.join(unsupported)}")
        container = container_of(account_id, region, job.model_name)
        container["Environment"] = {**container["Environment"], **(job.environment or {})}
        if not object_exists(account_id, container["ModelDataUrl"]):
            raise RuntimeError(f"Could not find model data at {container['ModelDataUrl']}.")
        bucket_name, prefix = _split(source["S3Uri"])
        bucket = _s3(account_id).get_bucket(bucket_name)
        keys = sorted(k for k in bucket.keys.keys() if k.startswith(prefix) and isinstance(bucket.keys[k], FakeKey))
        if not keys:
            raise RuntimeError(f"ClientError: no input under {source['S3Uri']}")
        output = job.transform_output
        split_by_line = job.transform_input.get("SplitType", "None") == "Line"
        models = runtime_for(account_id)
        for key in keys:
            data = bytes(bucket.keys[key].value)
            if compression == "Gzip":
                data = gzip.decompress(data)
            lines = [line for line in data.splitlines() if line.strip()] if split_by_line else [data]
            rows = [_csv_row(line) for line in lines] if processed else []
            model_input = [_csv_line(select(processing.get("InputFilter"), row, "InputFilter")) for row in rows] \
                if processed else lines
            try:
                if split_by_line:  # mini-batches of lines through the model's server, one output line per input line
                    answers = models.transform(
                        container, b"".join(line + b"\n" for line in model_input), content_type, output.get("Accept"),
                        strategy=job.batch_strategy or "MultiRecord",
                        max_payload_mb=int(job.max_payload_in_mb if job.max_payload_in_mb is not None else 6),
                    ).splitlines()
                else:  # the whole object is one request
                    reply = models.invoke(container, model_input[0], content_type, output.get("Accept"))
                    if reply.status != 200:
                        raise serving_runtime.ServingError(f"{reply.status} {reply.text[:300]}")
                    answers = [reply.body.rstrip(b"\n")]
            except (serving_runtime.ServingError, serving_stacks.StackError) as error:
                raise RuntimeError(f"ClientError: the model failed on s3://{bucket_name}/{key}: {error}") from error
            if processed:
                predictions = b"\n".join(answers).splitlines()
                if len(predictions) != len(rows):
                    raise RuntimeError(f"ClientError: {len(predictions)} output lines for {len(rows)} input records "
                                       f"of s3://{bucket_name}/{key}")
                answers = [_csv_line(select(processing.get("OutputFilter"),
                                            (row if join_input else []) + _csv_row(prediction), "OutputFilter"))
                           for row, prediction in zip(rows, predictions)]
            joiner = b"\n" if output.get("AssembleWith", "None") == "Line" else b""
            relative = key[len(prefix):].lstrip("/") or key.rsplit("/", 1)[-1]  # SageMaker: <key under prefix>.out
            write_object(account_id, f"{output['S3OutputPath'].rstrip('/')}/{relative}.out",
                         joiner.join(answers) + (b"\n" if joiner else b""), output.get("KmsKeyId"))
        job.transform_job_status, job.failure_reason = "Completed", ""
    except Exception as error:  # whatever stopped the job is its failure reason
        job.transform_job_status, job.failure_reason = "Failed", str(error)[:1024]


def _patch_transform_jobs() -> None:
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.create_transform_job

    def create_transform_job(self, *args, **kwargs):
        job = original(self, *args, **kwargs)
        run_transform_job(self.account_id, self.region_name, job)
        return job

    SageMakerModelBackend.create_transform_job = create_transform_job


def _patch_step_functions() -> None:
    import moto.stepfunctions.models as sfn_models
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_factory
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    # CloudFormation's StateMachine model looks its backend up by this module-level name at call time.
    sfn_models.stepfunctions_backends = stepfunctions_parser_backends

    from moto.stepfunctions.parser.backend import execution_worker

    execution_data = execution_worker.ExecutionData
    execution_worker.ExecutionData = lambda **fields: execution_data(**fields, RedriveCount=0)

    original = state_task_service_factory.state_task_service_for

    def state_task_service_for(service_name: str):
        if service_name == "sagemaker":
            return _sagemaker_task_service()
        return original(service_name=service_name)

    state_task_service_factory.state_task_service_for = state_task_service_for
    # The state-task factory imported the function by name.
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    state_task_factory.state_task_service_for = state_task_service_for


def _sagemaker_task_service():
    """The `sagemaker:createTransformJob(.sync)` integration, shaped like moto's own Batch integration."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent, FailureEventException)
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType)
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback)
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    class StateTaskServiceSageMaker(StateTaskServiceCallback):
        def __init__(self):
            super().__init__(supported_integration_patterns={ResourceCondition.WaitForTaskToken,
                                                             ResourceCondition.Sync})

        def _get_supported_parameters(self):
            # CreateTransformJob's request fields (the only SageMaker action our state machines use).
            if self.resource.api_action.lower() == "createtransformjob":
                return {"TransformJobName", "ModelName", "MaxConcurrentTransforms", "ModelClientConfig",
                        "MaxPayloadInMB", "BatchStrategy", "Environment", "TransformInput", "TransformOutput",
                        "DataCaptureConfig", "TransformResources", "DataProcessing", "Tags", "ExperimentConfig"}
            return None

        def _client(self, resource_runtime_part, state_credentials):
            return boto_client_for(region=resource_runtime_part.region, service="sagemaker",
                                   state_credentials=state_credentials)

        def _eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
            client = self._client(resource_runtime_part, state_credentials)
            response = getattr(client, self._get_boto_service_action())(**normalised_parameters)
            response.pop("ResponseMetadata", None)
            env.stack.append(response)

        def _build_sync_resolver(self, env, resource_runtime_part, normalised_parameters, state_credentials):
            client = self._client(resource_runtime_part, state_credentials)
            name = normalised_parameters["TransformJobName"]
            env.stack.pop()

            def resolve():
                job = client.describe_transform_job(TransformJobName=name)
                job.pop("ResponseMetadata", None)
                status = job["TransformJobStatus"]
                if status == "Completed":
                    return job
                if status in {"Failed", "Stopped"}:
                    raise FailureEventException(FailureEvent(
                        env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                            resource=self._get_sfn_resource(), resourceType=self._get_sfn_resource_type(),
                            error=StatesErrorNameType.StatesTaskFailed.to_name(),
                            cause=to_json_str(job, separators=(",", ":"))))))
                return None

            return resolve

    return StateTaskServiceSageMaker()


def _patch_instance_types() -> None:
    import botocore.session
    from moto.sagemaker.models import FakeEndpointConfig

    allowed = botocore.session.get_session().get_service_model("sagemaker").shape_for(
        "ProductionVariantInstanceType").enum

    def validate_instance_type(self, instance_type: str) -> None:
        if instance_type not in allowed:
            raise _validation(f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: Member must "
                              f"satisfy enum value set: [{', '.join(allowed)}]")

    FakeEndpointConfig.validate_instance_type = validate_instance_type


def apply_patches() -> None:
    _patch_create_model()
    _patch_instance_types()
    _patch_endpoint_names()
    _patch_model_package_groups()
    _patch_runtime()
    _patch_transform_jobs()
    _patch_step_functions()
