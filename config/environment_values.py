"""The environments, one value each. A pull request that changes an environment changes this file.

Sections are plain dicts so that validation sees the whole environment at once and reports every
problem together (see config.loader). The account ids are placeholders: set yours here, or override
one per run with DEV_ACCOUNT_ID / STAGING_ACCOUNT_ID / PROD_ACCOUNT_ID (read in app.py only).
"""

from __future__ import annotations

from typing import Any

# One CSV row the demo model (tools/train_demo.py, packaged by `make package-model`) answers: the 30
# breast-cancer features of its first training sample. Every environment below serves that model today;
# a model with other features brings its own smoke_request.
_DEMO_SMOKE_REQUEST: dict[str, Any] = {
    "content_type": "text/csv",
    "accept": "application/json",
    "body": (
        "17.99,10.38,122.8,1001.0,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,0.9053,8.589,153.4,"
        "0.006399,0.04904,0.05373,0.01587,0.03003,0.006193,25.38,17.33,184.6,2019.0,0.1622,0.6656,0.7119,"
        "0.2654,0.4601,0.1189"
    ),
}

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
    "production": False,
    # Dev is disposable: its data goes with `cdk destroy`, and output expires quickly.
    "retain_data": False,
    "termination_protection": False,
    "data": {
        "output_expiration_days": 14,
        "noncurrent_version_expiration_days": 7,
        "abort_incomplete_upload_days": 1,
        "access_log_expiration_days": 30,
    },
    # Dev serves the packaged demo model (`make build/demo-model.tar.gz`) from a serverless endpoint: no idle
    # instance cost. Serverless supports no network isolation, so this model runs without it.
    "serving": {
        "models": {
            "demo": {"model_data_asset": "build/demo-model.tar.gz", "network_isolation": False,
                     "smoke_request": _DEMO_SMOKE_REQUEST},
        },
        "endpoints": {
            "realtime": {
                "serverless": {"model": "demo", "memory_size_mb": 2048, "max_concurrency": 5},
            },
        },
    },
    # Dev alarms notify the team but nobody is paged; the billing guard catches a forgotten instance.
    "monitoring": {
        "subscriptions": {"emails": ["ml-platform-dev@example.com"]},
        "billing": {
            "total_usd": {"warning": 50, "critical": 100},
            "sagemaker_usd": {"warning": 20, "critical": 50},
        },
    },
    # Dev's transform never fires on its own: run it by hand (README, Batch transforms).
    "batch": {
        "transforms": {
            "scoring": {
                "model": "demo",
                "schedule": {"expression": "cron(0 0 1 * ? *)", "enabled": False},
                "instance_type": "ml.m5.large",
                "strategy": "MultiRecord", "split_type": "Line", "assemble_with": "Line",
            },
        },
        "log_retention_days": 30,
    },
}

STAGING: dict[str, Any] = {
    **_TEAM,
    "name": "staging",
    "account": "222222222222",
    "region": "us-east-1",
    "name_prefix": "mlinf-staging",
    "production": False,
    "retain_data": True,
    "termination_protection": True,
    "data": {
        "output_expiration_days": 90,
        "output_transition_to_ia_days": 30,
        "noncurrent_version_expiration_days": 30,
        "abort_incomplete_upload_days": 7,
        "access_log_expiration_days": 365,
    },
    # Staging mirrors prod's model on one instance and captures every request; it also runs the async
    # endpoint (serving a registered model package, scaling to zero) and the multi-model endpoint.
    "serving": {
        "default_model_data_key": "models/model-v1.tar.gz",
        "models": {
            "main": {"smoke_request": _DEMO_SMOKE_REQUEST},
            "registered": {"model_package_version": 1, "smoke_request": _DEMO_SMOKE_REQUEST},
            # Multi-model containers import the handler at start, before any model exists, from an S3
            # sourcedir.tar.gz (README "Bring your own model and handler"): that download needs network access.
            # The smoke test loads models/multi/model-v1.tar.gz (push it there as well as models/model-v1.tar.gz).
            "multi": {"multi_model_prefix": "models/multi/", "network_isolation": False,
                      "smoke_request": {**_DEMO_SMOKE_REQUEST, "target_model": "model-v1.tar.gz"}},
            "candidate": {"model_data_key": "models/model-v2.tar.gz", "smoke_request": _DEMO_SMOKE_REQUEST},
        },
        "endpoints": {
            "realtime": {
                "variants": [{"name": "primary", "model": "main", "instance_type": "ml.m5.large"}],
                "data_capture": {"sampling_percentage": 100},
                "deployment": {"traffic_routing": "ALL_AT_ONCE", "wait_interval_seconds": 300},
            },
            "async": {
                "variants": [{
                    "name": "primary", "model": "registered", "instance_type": "ml.m5.large",
                    "autoscaling": {"min_capacity": 0, "max_capacity": 2, "backlog_target_per_instance": 5},
                }],
                "async_inference": {"max_concurrent_invocations_per_instance": 4},
            },
            "multi-model": {
                "variants": [{"name": "primary", "model": "multi", "instance_type": "ml.m5.large",
                              "volume_size_gb": 30}],
            },
            # Two models share one ml.m5.xlarge (4 vCPUs, 16 GiB) as inference components. `scoring` keeps a copy;
            # `candidate` scales to zero copies when idle (its first request then fails while a copy starts:
            # README). Requests go to the instance with the fewest in flight; components update copy by copy.
            "shared": {
                "component_host": {
                    "instance_type": "ml.m5.xlarge", "initial_instance_count": 1,
                    "managed_scaling": {"min_instance_count": 0, "max_instance_count": 2},
                    "routing": "LEAST_OUTSTANDING_REQUESTS",
                },
                "components": {
                    "scoring": {
                        "model": "main", "cpu_cores": 1, "memory_mb": 2048, "copy_count": 1,
                        "autoscaling": {"min_copies": 1, "max_copies": 3, "invocations_per_copy": 100},
                        "deployment": {"rolling": {"batch_size_type": "COPY_COUNT", "batch_size": 1,
                                                   "wait_interval_seconds": 120}},
                    },
                    "candidate": {
                        "model": "candidate", "cpu_cores": 1, "memory_mb": 2048, "copy_count": 1,
                        "autoscaling": {"min_copies": 0, "max_copies": 2, "invocations_per_copy": 100},
                        "deployment": {"rolling": {"batch_size_type": "COPY_COUNT", "batch_size": 1,
                                                   "wait_interval_seconds": 120}},
                    },
                },
            },
        },
    },
    "monitoring": {
        "subscriptions": {"emails": ["ml-platform@example.com"]},
        "billing": {
            # `make cost`: $360-689 a month ($344-673 of it SageMaker); the guard fires above the floor, critical
            # above the ceiling (tests/gates/test_cost_baseline.py).
            "total_usd": {"warning": 450, "critical": 800},
            "sagemaker_usd": {"warning": 420, "critical": 750},
        },
    },
    # Staging scores the same way as prod's monthly run, weekly, so a broken model shows up before the 1st.
    "batch": {
        "transforms": {
            "scoring": {
                "model": "main",
                "schedule": {"expression": "cron(0 2 ? * MON *)", "timezone": "UTC", "flexible_window_minutes": 30},
                "instance_type": "ml.m5.xlarge",
                "strategy": "MultiRecord", "split_type": "Line", "assemble_with": "Line",
                "max_payload_mb": 6, "max_concurrent_transforms": 4,
                "input_filter": "$[1:]", "join_source": "Input", "output_filter": "$[0,-1]",
            },
        },
        "log_retention_days": 365,
    },
}

PROD: dict[str, Any] = {
    **_TEAM,
    "name": "prod",
    "account": "333333333333",
    "region": "us-west-2",
    "name_prefix": "mlinf-prod",
    "production": True,
    "retain_data": True,
    "termination_protection": True,
    "data": {
        "output_expiration_days": 400,
        "output_transition_to_ia_days": 30,
        "noncurrent_version_expiration_days": 90,
        "abort_incomplete_upload_days": 7,
        "access_log_expiration_days": 730,
    },
    # Prod: A/B over two model versions (90/10), both autoscaled, with more floor in business hours; updates
    # shift 10% first and roll back on the endpoint's 5XX or latency alarm.
    "serving": {
        "models": {
            "champion": {"model_data_key": "models/model-v1.tar.gz", "smoke_request": _DEMO_SMOKE_REQUEST},
            "challenger": {"model_data_key": "models/model-v2.tar.gz", "smoke_request": _DEMO_SMOKE_REQUEST},
            # A GPU model in its own image, as the seeds' image-segmentation guide serves it (SAM on ml.g4dn.xlarge).
            # The digest is a placeholder like the account ids: set your image's (`aws ecr describe-images`).
            "segmentation": {
                "image": {"kind": "ecr", "repository_name": "sam-climbing-holds",
                          "digest": "sha256:4f0d5c0b8e3e6a1d2c7b9f8e0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"},
                "model_data_key": "models/segmentation/model.tar.gz",
                "smoke_request": {"content_type": "application/json", "accept": "application/json",
                                  "body": '{"image": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAcCBlCwAAAABJRU5ErkJggg==", "points": [[0, 0]]}'},
            },
        },
        "endpoints": {
            "realtime": {
                "variants": [
                    {
                        "name": "champion", "model": "champion", "instance_type": "ml.m5.xlarge",
                        "initial_instance_count": 2, "weight": 90,
                        "autoscaling": {
                            "min_capacity": 2, "max_capacity": 8, "max_requests_per_second": 20, "safety_factor": 0.5,
                            "schedules": [
                                {"name": "BusinessHoursStart", "schedule": "cron(0 8 ? * MON-FRI *)",
                                 "timezone": "America/Los_Angeles", "min_capacity": 3, "max_capacity": 8},
                                {"name": "BusinessHoursEnd", "schedule": "cron(0 19 ? * MON-FRI *)",
                                 "timezone": "America/Los_Angeles", "min_capacity": 2, "max_capacity": 8},
                            ],
                        },
                    },
                    {
                        "name": "challenger", "model": "challenger", "instance_type": "ml.m5.xlarge",
                        "initial_instance_count": 1, "weight": 10,
                        "autoscaling": {"min_capacity": 1, "max_capacity": 3, "max_requests_per_second": 20},
                    },
                ],
                "data_capture": {"sampling_percentage": 20},
                "deployment": {
                    "traffic_routing": "CANARY", "size_type": "CAPACITY_PERCENT", "size_value": 10,
                    "wait_interval_seconds": 600, "termination_wait_seconds": 300,
                    "maximum_execution_timeout_seconds": 3600, "auto_rollback": True,
                },
                "alarms": {"errors_5xx_per_minute": 5, "latency_p99_ms": 500},
            },
            # ml.g4dn.xlarge has NVMe storage, so no volume key. Updates roll one instance at a time instead of
            # standing up a second fleet of GPUs, and roll back on the endpoint's alarms; requests (seconds each)
            # go to the least busy instance.
            "segmentation": {
                "variants": [{
                    "name": "primary", "model": "segmentation", "instance_type": "ml.g4dn.xlarge",
                    "initial_instance_count": 2, "routing": "LEAST_OUTSTANDING_REQUESTS",
                    "inference_ami_version": "al2-ami-sagemaker-inference-gpu-2", "core_dump": True,
                    "container_startup_health_check_timeout_seconds": 600, "model_data_download_timeout_seconds": 600,
                }],
                "deployment": {
                    "rolling": {"batch_size_type": "INSTANCE_COUNT", "batch_size": 1, "wait_interval_seconds": 300,
                                "maximum_execution_timeout_seconds": 3600, "rollback_batch_size": 2},
                    "auto_rollback": True,
                },
                "alarms": {"errors_5xx_per_minute": 5, "latency_p99_ms": 3000},
            },
        },
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
            # `make cost`: $1,643-2,986 a month ($1,628-2,972 of it SageMaker, the GPU endpoint $1,075).
            "total_usd": {"warning": 2000, "critical": 3500},
            "sagemaker_usd": {"warning": 1900, "critical": 3300},
        },
    },
    # Prod scores every customer on the 1st of the month at 00:00 (change "timezone" to run at local midnight in
    # a zone behind UTC; job dates are the UTC date of the scheduled time), and processes the large nightly
    # dataset overnight within a one-hour window.
    "batch": {
        "transforms": {
            "scoring": {
                "model": "champion",
                "schedule": {"expression": "cron(0 0 1 * ? *)", "timezone": "UTC"},
                "instance_type": "ml.m5.xlarge", "instance_count": 2,
                "strategy": "MultiRecord", "split_type": "Line", "assemble_with": "Line",
                "max_payload_mb": 6, "max_concurrent_transforms": 4,
                "content_type": "text/csv", "accept": "text/csv",
                "input_filter": "$[1:]", "join_source": "Input", "output_filter": "$[0,-1]",
                "invocation_timeout_seconds": 600, "invocation_max_retries": 2,
                "timeout_hours": 12,
            },
            "nightly": {
                "model": "champion",
                "schedule": {"expression": "cron(0 1 * * ? *)", "timezone": "UTC", "flexible_window_minutes": 60},
                "instance_type": "ml.c5.2xlarge", "instance_count": 4,
                "strategy": "MultiRecord", "split_type": "Line", "assemble_with": "Line", "compression": "Gzip",
                "max_payload_mb": 20, "max_concurrent_transforms": 4,
                "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "4"},
                "timeout_hours": 8,
            },
        },
        "log_retention_days": 731,
    },
}

ENVIRONMENTS: tuple[dict[str, Any], ...] = (DEV, STAGING, PROD)
