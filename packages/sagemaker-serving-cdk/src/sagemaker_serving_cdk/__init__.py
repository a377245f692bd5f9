"""AWS CDK constructs for SageMaker inference."""

__version__ = "0.1.0"
