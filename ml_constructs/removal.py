"""How data-bearing resources behave when their stack is deleted."""

from aws_cdk import RemovalPolicy


def data_removal_policy(retain_data: bool) -> RemovalPolicy:
    """RETAIN keeps the resource (and its data) when the stack goes; DESTROY deletes it with the stack."""
    return RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY
