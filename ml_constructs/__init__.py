"""Reusable constructs for SageMaker inference, one concern per module.

Named ml_constructs, not constructs: a top-level package called `constructs` would shadow the
library aws-cdk-lib imports (see README, Layout).
"""
