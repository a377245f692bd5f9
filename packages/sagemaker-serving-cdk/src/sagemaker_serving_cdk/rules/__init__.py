"""Validation rules and pure helpers: stdlib only, no aws_cdk import, so config validation can call them
without booting jsii. Each rule returns a list of `Problem`s (field, value, what is allowed), empty when
the value is fine; config reports them with the environment, constructs with their construct path."""
