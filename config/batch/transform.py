"""One scheduled batch transform: what runs, on what, where its data lives, and how it retries."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Optional

from pydantic import Field, StringConstraints, field_validator, model_validator

from config.base import Section, field_problem
from config.batch.schedule import ScheduleSettings
from sagemaker_serving_cdk.rules.instances import has_instance_storage, instance_type_problems


class RetrySettings(Section):
    """Exponential backoff for one class of errors."""

    max_attempts: Annotated[int, Field(ge=0, le=10)]
    interval_seconds: Annotated[int, Field(ge=1, le=3600)]
    backoff_rate: Annotated[float, Field(ge=1.0, le=10.0)] = 2.0
    max_delay_seconds: Optional[Annotated[int, Field(ge=1, le=86400)]] = None
    """Cap on one wait. Default: no cap."""


Mime = Annotated[str, StringConstraints(pattern=r"^[a-z]+/[A-Za-z0-9.+-]+(; ?[A-Za-z0-9=.-]+)?$", max_length=256)]
# A prefix template: S3 key characters that need no escaping in a Step Functions intrinsic string, plus the
# placeholders {name} (the transform's name) and {date} (the job's date, YYYY-MM-DD).
PrefixTemplate = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9!_.()/-]|\{name\}|\{date\})+/$", max_length=256)]
EnvironmentKey = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")]
EnvironmentValue = Annotated[str, StringConstraints(max_length=10240)]

# The subset of JSONPath SageMaker's InputFilter/OutputFilter accept: $ then .name, ['name'] or ['a','b'], [n], [n:m],
# [a,b] or [*] steps (at most 63 characters), e.g. $[1:] (drop a CSV id column) or $[0,-1] (id and prediction).
_JSONPATH_STEP = (r"(\.[A-Za-z_][A-Za-z0-9_]*|\.\*|\['[^',\]]+'(,'[^',\]]+')*\]|\[\*\]|\[-?\d+(:-?\d*)?\]|\[:-?\d+\]"
                  r"|\[-?\d+(,-?\d+)+\])")
_JSONPATH = re.compile(rf"^\${_JSONPATH_STEP}*$")


def _check_jsonpath(value: Optional[str]) -> Optional[str]:
    if value is not None and not _JSONPATH.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a JSONPath SageMaker accepts; start with $ and use .name, ['name'], [n], [n:m], "
            "[a,b] or [*] steps, e.g. $[1:] or $.features"
        )
    return value


class TransformSettings(Section):
    """One scheduled batch transform: what runs, on what, when, and where its data lives.

    Defaults are SageMaker's own where it has one (SingleRecord, 6 MB payloads, no split).
    """

    schedule: ScheduleSettings
    model: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")] = "main"
    """The serving config's model (a key of `serving.models`) whose image and artifact the job uses."""

    data_type: Literal["S3Prefix", "ManifestFile"] = "S3Prefix"
    """S3Prefix: every object under the input prefix. ManifestFile: the objects listed in `manifest_name`."""
    input_prefix: PrefixTemplate = "batch/{name}/{date}/"
    """Where input is read in the input bucket; {date} is required, {name} is the transform's name."""
    output_prefix: Optional[PrefixTemplate] = None
    """Where results land in the output bucket. Default: the input prefix, so results mirror their inputs."""
    manifest_name: Optional[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.()-]+$", max_length=128)]] = None
    """ManifestFile only: the manifest's object name under the input prefix. Default: manifest.json."""

    instance_type: str = "ml.m5.large"
    """A type CreateTransformJob accepts (botocore's TransformInstanceType)."""
    instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    strategy: Literal["SingleRecord", "MultiRecord"] = "SingleRecord"
    """MultiRecord packs as many records into one request as fit in max_payload_mb (needs a split_type)."""
    max_payload_mb: Annotated[int, Field(ge=0, le=100)] = 6
    """Largest request body SageMaker sends the container; 0 streams (HTTP chunked), for SingleRecord only."""
    max_concurrent_transforms: Optional[Annotated[int, Field(ge=1, le=1000)]] = None
    """Parallel requests per instance. Default: SageMaker's (1, or what the container's execution-parameters say)."""
    split_type: Literal["None", "Line", "RecordIO", "TFRecord"] = "None"
    compression: Literal["None", "Gzip"] = "None"
    content_type: Optional[Mime] = "text/csv"
    """MIME type of the input, sent with each request. None: SageMaker sends none."""
    accept: Optional[Mime] = "text/csv"
    """MIME type the container should answer with. None: the container's default."""
    assemble_with: Literal["None", "Line"] = "None"
    """Line: one output record per line (use with split_type Line). None: responses are concatenated."""
    input_filter: Optional[Annotated[str, StringConstraints(max_length=63)]] = None
    """JSONPath selecting what of each record is sent, e.g. `$[1:]` drops a CSV id column. Default: all of it."""
    output_filter: Optional[Annotated[str, StringConstraints(max_length=63)]] = None
    """JSONPath selecting what of the (joined) result is written. Default: all of it."""
    join_source: Literal["None", "Input"] = "None"
    """Input: write each input record next to its prediction (e.g. keep the customer id)."""
    environment: dict[EnvironmentKey, EnvironmentValue] = Field(default_factory=dict, max_length=16)
    """Extra container environment for the job (at most 16 entries)."""
    encrypt_output: bool = True
    """True: results are encrypted with the environment's data key (TransformOutput.KmsKeyId)."""
    encrypt_volume: bool = True
    """True: the instances' EBS volume is encrypted with the data key. Instance types with local NVMe
    storage encrypt it in hardware and do not accept a key: set False for them."""
    invocation_timeout_seconds: Annotated[int, Field(ge=1, le=3600)] = 600
    """How long SageMaker waits for one request to the container (ModelClientConfig)."""
    invocation_max_retries: Annotated[int, Field(ge=0, le=3)] = 1
    """How often SageMaker retries a failed request to the container (ModelClientConfig)."""
    timeout_hours: Annotated[int, Field(ge=1, le=720)] = 24
    """The state machine stops the job (StopTransformJob) when it runs longer than this."""
    throttle_retry: RetrySettings = RetrySettings(max_attempts=5, interval_seconds=10, max_delay_seconds=300)
    """CreateTransformJob throttled or rejected by SageMaker's API: retried with a fresh job name."""
    limit_retry: RetrySettings = RetrySettings(max_attempts=5, interval_seconds=300, max_delay_seconds=3600)
    """ResourceLimitExceeded (instance quota in use, e.g. by another job): wait for capacity to free up."""
    capacity_retry: RetrySettings = RetrySettings(max_attempts=3, interval_seconds=600)
    """The job failed with a CapacityError (no instances of the type available): a new job after a wait.
    The wait doubles on each attempt (backoff_rate is fixed at 2 for this loop)."""

    @field_validator("input_filter", "output_filter")
    @classmethod
    def _jsonpath_filters(cls, value: Optional[str]) -> Optional[str]:
        return _check_jsonpath(value)

    @field_validator("instance_type")
    @classmethod
    def _known_instance_type(cls, value: str) -> str:
        field_problem(instance_type_problems(value, "transform"))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "TransformSettings":
        problems = []
        if self.strategy == "MultiRecord" and self.split_type == "None":
            problems.append("strategy MultiRecord needs a split_type (Line, RecordIO or TFRecord) to cut records apart")
        if self.max_concurrent_transforms is not None and self.max_concurrent_transforms * self.max_payload_mb > 100:
            problems.append(
                f"max_concurrent_transforms ({self.max_concurrent_transforms}) x max_payload_mb ({self.max_payload_mb}) "
                "must not exceed 100 MB"
            )
        if self.max_payload_mb == 0 and self.strategy == "MultiRecord":
            problems.append("max_payload_mb 0 (streaming) works only with strategy SingleRecord")
        for field in ("input_prefix", "output_prefix"):
            template = getattr(self, field)
            if template is not None and "{date}" not in template:
                problems.append(f"{field} {template!r} must contain {{date}}, so each run reads and writes its own folder")
        if self.data_type == "S3Prefix" and self.manifest_name is not None:
            problems.append(f"manifest_name ({self.manifest_name!r}) is for data_type ManifestFile only")
        if self.encrypt_volume and has_instance_storage(self.instance_type):
            problems.append(
                f"{self.instance_type} has local NVMe storage, encrypted in hardware, and takes no volume KMS key; "
                "set encrypt_volume False or pick an EBS-backed type (e.g. ml.m5.xlarge)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def effective_output_prefix(self) -> str:
        return self.output_prefix if self.output_prefix is not None else self.input_prefix

    @property
    def effective_manifest_name(self) -> Optional[str]:
        if self.data_type != "ManifestFile":
            return None
        return self.manifest_name or "manifest.json"
