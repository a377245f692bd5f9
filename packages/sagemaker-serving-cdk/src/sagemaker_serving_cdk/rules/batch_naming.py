"""Transform job names and dates as Step Functions intrinsic-function expressions (JSONPath states).

A transform job name is unique per account and region, for ever, and at most 63 characters of
`[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` (ARCHITECTURE.md fact 6.14). Ours is

    <transform name>-<MD5 of the execution ARN>-<redrive count>-<capacity attempt>-<retry count>

- the transform name (at most 16 characters) says which schedule it belongs to;
- the MD5 of `$$.Execution.Id` (32 hex characters) is unique per execution and reproducible from its ARN
  (`printf %s "$ARN" | md5sum`); the execution name itself may hold characters SageMaker rejects;
- the redrive count, the capacity-loop attempt and `$$.State.RetryCount` make every attempt of the task
  state a new name: a retry after throttling, a new job after a CapacityError and a redriven execution
  never reuse one.

The expressions are plain strings, evaluated by Step Functions (and by moto's interpreter in the tests).
"""

from __future__ import annotations

import re

MAX_JOB_NAME_LENGTH = 63
JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_TRANSFORM_NAME_LENGTH = 16
EXECUTION_TOKEN_LENGTH = 32  # MD5 as hex
MAX_REDRIVE_DIGITS = 4  # Step Functions allows at most 1000 redrives of an execution

CAPACITY_ATTEMPT_PATH = "$.capacity.attempt"

EXECUTION_TOKEN = "States.Hash($$.Execution.Id, 'MD5')"
"""32 lower-case hex characters, unique per execution."""

SCHEDULED_DATE = "States.ArrayGetItem(States.StringSplit($.scheduledTime, 'T'), 0)"
"""`2026-11-01T00:00:00Z` (EventBridge Scheduler's <aws.scheduler.scheduled-time>, UTC) -> `2026-11-01`."""

DATE_AS_TIMESTAMP = "States.Format('{}T00:00:00Z', $.run.date)"
"""The date as an RFC 3339 timestamp, so a Choice state can check it with IsTimestamp."""


def job_name_expression(transform_name: str) -> str:
    """The TransformJobName.$ expression of a transform's task state."""
    _check_name(transform_name)
    return (
        f"States.Format('{transform_name}-{{}}-{{}}-{{}}-{{}}', {EXECUTION_TOKEN}, $$.Execution.RedriveCount, "
        f"{CAPACITY_ATTEMPT_PATH}, $$.State.RetryCount)"
    )


def job_name_length_bound(transform_name: str, *, capacity_attempts: int, task_retries: int) -> int:
    """The longest job name the expression can produce, given the most attempts the state machine makes."""
    return (
        len(transform_name)
        + 1
        + EXECUTION_TOKEN_LENGTH
        + 1
        + MAX_REDRIVE_DIGITS
        + 1
        + len(str(capacity_attempts))
        + 1
        + len(str(task_retries))
    )


def s3_uri_expression(bucket_name: str, prefix_template: str, transform_name: str, suffix: str = "") -> str:
    """`States.Format('s3://<bucket>/batch/<name>/{}/', $.run.date)` for a template like `batch/{name}/{date}/`.

    `bucket_name` may be a CDK token; it is rendered into the definition string at synth.
    """
    _check_name(transform_name)
    literal = prefix_template.replace("{name}", transform_name)
    dates = literal.count("{date}")
    literal = literal.replace("{date}", "{}")
    if any(char in literal.replace("{}", "") for char in "'{}\\"):
        raise ValueError(f"prefix template {prefix_template!r} has characters an intrinsic string would need escaped")
    arguments = ", ".join(["$.run.date"] * dates)
    return f"States.Format('s3://{bucket_name}/{literal}{suffix}'" + (f", {arguments})" if arguments else ")")


def _check_name(transform_name: str) -> None:
    if not re.fullmatch(rf"[a-z][a-z0-9-]{{0,{MAX_TRANSFORM_NAME_LENGTH - 2}}}[a-z0-9]", transform_name):
        raise ValueError(
            f"transform name {transform_name!r} must be 2-{MAX_TRANSFORM_NAME_LENGTH} lower-case letters, digits "
            "and hyphens, starting with a letter and ending with a letter or digit"
        )


def state_machine_name(name_prefix: str, transform: str) -> str:
    """`mlinf-prod-batch-nightly`: a transform's state machine, by a fixed name the dashboard and `tools.ops`
    find it by (no cross-stack export)."""
    return f"{name_prefix}-batch-{transform}"
