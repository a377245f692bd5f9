"""Options of an endpoint config and its instance variants that take ranges (CreateEndpointConfig):
DataCaptureConfig InitialSamplingPercentage 0-100 with something to capture, AsyncInferenceClientConfig
MaxConcurrentInvocationsPerInstance 1-1000, ProductionVariant VolumeSizeInGB 1-512."""

from __future__ import annotations

from sagemaker_serving_cdk.rules.problems import Problem, at

SAMPLING_PERCENT = (0, 100)
ASYNC_CONCURRENT_INVOCATIONS = (1, 1000)
VOLUME_SIZE_GB = (1, 512)


def _in_range(value: int | None, bounds: tuple[int, int], field: str) -> list[Problem]:
    low, high = bounds
    if value is not None and not low <= value <= high:
        return [Problem(field, value, f"{low}-{high}", "out of range")]
    return []


def data_capture_problems(
    *,
    sampling_percentage: int | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
    field: str = "data_capture",
) -> list[Problem]:
    """A sampling percentage of 0-100 (None: not given), and requests or responses to capture."""
    problems = _in_range(sampling_percentage, SAMPLING_PERCENT, at(field, "sampling_percentage"))
    if not (capture_input or capture_output):
        problems.append(
            Problem(
                at(field, "capture_input"),
                False,
                "capture_input or capture_output True, or no data capture",
                "capture_input and capture_output are both False: nothing to capture",
            )
        )
    return problems


def async_concurrency_problems(
    value: int | None, *, field: str = "max_concurrent_invocations_per_instance"
) -> list[Problem]:
    return _in_range(value, ASYNC_CONCURRENT_INVOCATIONS, field)


def volume_size_problems(value: int | None, *, field: str = "volume_size_gb") -> list[Problem]:
    return _in_range(value, VOLUME_SIZE_GB, field)
