"""The deployment pipeline's one value. A pull request that changes where or what it builds changes this file.

The account and connection are placeholders: create the connection in the tooling account (console,
Developer Tools > Connections), authorise it once, and put its ARN and the account here.
"""

from __future__ import annotations

from typing import Any

PIPELINE: dict[str, Any] = {
    "account": "444444444444",
    "region": "us-east-1",
    "connection_arn": (
        "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-4000-8000-000000000000"
    ),
    "repository": "example-org/sagemaker-inference",
    "branch": "main",
    # The order the pipeline deploys the environments in (each one, once), and which wait for a manual approval.
    "stage_order": ["dev", "staging", "prod"],
    "approval_before": ["prod"],
}
