"""The one place the ops commands make AWS clients, honouring --region, --profile and --endpoint-url."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlparse

import boto3
import botocore.config


class OpsError(Exception):
    """A user-facing failure: the message says what was wrong and what to do; no traceback is shown."""


@dataclass(frozen=True)
class Aws:
    region: Optional[str] = None
    profile: Optional[str] = None
    endpoint_url: Optional[str] = None
    """e.g. http://localhost:PORT for the local emulator (make deploy-local prints it). Default: AWS itself
    (or AWS_ENDPOINT_URL when set, as every AWS SDK honours it)."""

    def client(self, service: str):
        session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        if session.region_name is None:
            raise OpsError("no AWS region: pass --region or set AWS_REGION")
        if self.is_local and session.get_credentials() is None:
            # The local emulator accepts any keys; the calls cannot leave the machine.
            session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                            region_name=session.region_name)
        config = botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10,
                                        read_timeout=70)
        return session.client(service, endpoint_url=self.endpoint_url, config=config)

    @property
    def is_local(self) -> bool:
        return bool(self.endpoint_url) and urlparse(self.endpoint_url).hostname in {"localhost", "127.0.0.1", "::1"}
