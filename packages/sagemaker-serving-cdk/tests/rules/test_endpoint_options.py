"""rules.endpoint_options: data capture, async client concurrency, variant volume size."""

import pytest

from sagemaker_serving_cdk.rules.endpoint_options import (
    async_concurrency_problems,
    data_capture_problems,
    volume_size_problems,
)


def test_accepts_values_within_the_api_ranges():
    assert data_capture_problems(sampling_percentage=0) == data_capture_problems(sampling_percentage=100) == []
    assert async_concurrency_problems(1000) == async_concurrency_problems(None) == []
    assert volume_size_problems(512) == volume_size_problems(1) == []


@pytest.mark.parametrize(
    "problems, field, value",
    [
        (data_capture_problems(sampling_percentage=101), "data_capture.sampling_percentage", 101),
        (data_capture_problems(capture_input=False, capture_output=False), "data_capture.capture_input", False),
        (async_concurrency_problems(1001), "max_concurrent_invocations_per_instance", 1001),
        (async_concurrency_problems(0), "max_concurrent_invocations_per_instance", 0),
        (volume_size_problems(513), "volume_size_gb", 513),
        (volume_size_problems(0), "volume_size_gb", 0),
    ],
)
def test_fails_outside_the_api_ranges(problems, field, value):
    # CreateEndpointConfig: InitialSamplingPercentage 0-100, MaxConcurrentInvocationsPerInstance 1-1000,
    # VolumeSizeInGB 1-512 (botocore's SageMaker model).
    assert [(p.field, p.value) for p in problems] == [(field, value)]
