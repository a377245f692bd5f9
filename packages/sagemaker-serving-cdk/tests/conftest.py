"""Fixtures of the library's own tests: a bare stack with an explicit environment. Nothing from the app."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, aws_kms as kms, aws_s3 as s3


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "Lib", env={"account": "123456789012", "region": "us-east-1"})


@pytest.fixture
def bucket(stack: Stack) -> s3.Bucket:
    return s3.Bucket(stack, "Models")


@pytest.fixture
def key(stack: Stack) -> kms.Key:
    return kms.Key(stack, "Key")
