"""A stage as the release tools see it: its config, its account's credentials (optionally an assumed role) in
any region, and its Data stack's outputs (bucket names, key ARN, registry)."""

from __future__ import annotations

from typing import Optional

import boto3
import botocore.config
from botocore.exceptions import ClientError

from config import ENVIRONMENTS, ConfigError, EnvironmentConfig, load_environments
from tools.ops.aws import Aws, OpsError


def find_stage(stage: str, account: Optional[str] = None) -> EnvironmentConfig:
    """The environment whose name is `stage`, case-insensitively (staging, Staging); `account` replaces its
    configured account, as STAGING_ACCOUNT_ID does for `cdk deploy` (e.g. the local emulator's)."""
    names = {raw["name"] for raw in ENVIRONMENTS}
    overrides = {name: {"account": account} for name in names if account and stage.lower() == name}
    try:
        environments = load_environments(ENVIRONMENTS, overrides)
    except ConfigError as error:
        raise OpsError(str(error)) from error
    for env in environments:
        if stage.lower() == env.name:
            return env
    raise OpsError(f"--stage {stage!r} is not a configured environment; environments: "
                   f"{', '.join(env.name for env in environments)} (case does not matter)")


def add_stage_arguments(parser, *, role_help: str) -> None:
    parser.add_argument("--stage", required=True, help="stage id or environment name, e.g. Staging or staging")
    parser.add_argument("--account", default=None,
                        help="the stage's account when it differs from config (as <NAME>_ACCOUNT_ID does for cdk). "
                             "Default: the configured account")
    parser.add_argument("--role-arn", default=None, help=role_help)


def data_stack_name(config: EnvironmentConfig) -> str:
    return f"{config.stage_id}-Data"


def stack_outputs(cloudformation, stack_name: str) -> Optional[dict[str, str]]:
    """The stack's outputs, or None when the stack does not exist (or was deleted)."""
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return None
        raise
    if stack["StackStatus"] in {"DELETE_COMPLETE", "ROLLBACK_COMPLETE"}:
        return None
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs") or []}


class StageAccess:
    """Clients in the stage's account for any region: --profile's credentials, or a role assumed with them once."""

    def __init__(self, aws: Aws, config: EnvironmentConfig, role_arn: Optional[str] = None):
        self.aws, self.config = aws, config
        self._credentials: dict[str, str] = {}
        if role_arn:
            try:
                sts = Aws(region=config.region, profile=aws.profile, endpoint_url=aws.endpoint_url).client("sts")
                credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="release-tools")
            except ClientError as error:
                raise OpsError(f"cannot assume {role_arn}: {error}") from error
            self._credentials = {
                "aws_access_key_id": credentials["Credentials"]["AccessKeyId"],
                "aws_secret_access_key": credentials["Credentials"]["SecretAccessKey"],
                "aws_session_token": credentials["Credentials"]["SessionToken"],
            }
        # Everything below names the stage's account in ARNs: credentials for another account would make every
        # check fail for the wrong reason.
        caller = self.client("sts").get_caller_identity()["Account"]
        if caller != config.account:
            raise OpsError(f"the credentials are for account {caller}, but {config.stage_id} deploys to "
                           f"{config.account}; use credentials for {config.account} (or --account {caller} if the "
                           f"stage's account is overridden, as {config.name.upper()}_ACCOUNT_ID does for cdk)")

    def client(self, service: str, region: Optional[str] = None):
        region = region or self.config.region
        if not self._credentials:
            return Aws(region=region, profile=self.aws.profile, endpoint_url=self.aws.endpoint_url).client(service)
        config = botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"})
        return boto3.session.Session(region_name=region, **self._credentials).client(
            service, endpoint_url=self.aws.endpoint_url, config=config)

    def data_outputs(self) -> Optional[dict[str, str]]:
        return stack_outputs(self.client("cloudformation"), data_stack_name(self.config))
