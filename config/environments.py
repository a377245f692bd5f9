"""The environments, one value each. A pull request that changes an environment changes this file.

Sections are plain dicts so that validation sees the whole environment at once and reports every
problem together (see config.loader). The account ids are placeholders: set yours here, or override
one per run with DEV_ACCOUNT_ID / STAGING_ACCOUNT_ID / PROD_ACCOUNT_ID (read in app.py only).
"""

from __future__ import annotations

from typing import Any

_TEAM = {
    "project": "sagemaker-inference",
    "owner": "ml-platform",
    "cost_center": "cc-1234",
}

DEV: dict[str, Any] = {
    **_TEAM,
    "name": "dev",
    "account": "111111111111",
    "region": "us-east-1",
    "name_prefix": "mlinf-dev",
    # Dev is disposable: its data goes with `cdk destroy`, and output expires quickly.
    "retain_data": False,
    "termination_protection": False,
    "data": {
        "output_expiration_days": 14,
        "noncurrent_version_expiration_days": 7,
        "abort_incomplete_upload_days": 1,
        "access_log_expiration_days": 30,
    },
    # Dev alarms notify the team but nobody is paged; the billing guard catches a forgotten instance.
    "monitoring": {
        "subscriptions": {"emails": ["ml-platform-dev@example.com"]},
        "billing": {
            "total_usd": {"warning": 50, "critical": 100},
            "sagemaker_usd": {"warning": 20, "critical": 50},
        },
    },
}

STAGING: dict[str, Any] = {
    **_TEAM,
    "name": "staging",
    "account": "222222222222",
    "region": "us-east-1",
    "name_prefix": "mlinf-staging",
    "retain_data": True,
    "termination_protection": True,
    "data": {
        "output_expiration_days": 90,
        "output_transition_to_ia_days": 30,
        "noncurrent_version_expiration_days": 30,
        "abort_incomplete_upload_days": 7,
        "access_log_expiration_days": 365,
    },
    "monitoring": {
        "subscriptions": {"emails": ["ml-platform@example.com"]},
        "billing": {
            "total_usd": {"warning": 400, "critical": 600},
            "sagemaker_usd": {"warning": 250, "critical": 400},
        },
    },
}

PROD: dict[str, Any] = {
    **_TEAM,
    "name": "prod",
    "account": "333333333333",
    "region": "us-west-2",
    "name_prefix": "mlinf-prod",
    "retain_data": True,
    "termination_protection": True,
    "data": {
        "output_expiration_days": 400,
        "output_transition_to_ia_days": 30,
        "noncurrent_version_expiration_days": 90,
        "abort_incomplete_upload_days": 7,
        "access_log_expiration_days": 730,
    },
    # Prod pages the on-call through the incident tool's webhook, and dead traffic is an incident.
    "monitoring": {
        "subscriptions": {
            "emails": ["ml-platform@example.com", "ml-oncall@example.com"],
            "https_urls": ["https://hooks.example.com/sns/ml-inference-prod"],
        },
        "endpoint_alarms": {
            "no_invocations": {"periods": 6, "period_minutes": 5, "severity": "critical"},
            "model_latency_p99_ms": {"warning": 300},
        },
        "billing": {
            "total_usd": {"warning": 1500, "critical": 3000},
            "sagemaker_usd": {"warning": 1000, "critical": 2000},
        },
    },
}

ENVIRONMENTS: tuple[dict[str, Any], ...] = (DEV, STAGING, PROD)
