"""`status`: every endpoint (or the ones named) with its variants, weights, instance counts, what SageMaker is
doing to each variant (VariantStatus: Creating, Updating, ActivatingTraffic, Baking, ...), the deployment in
progress (PendingDeploymentSummary), each inference component's status, copies and failure, last update and the
state of the alarms on its metrics."""

from __future__ import annotations

import argparse

from tools.ops.aws import Aws
from tools.ops.components import components_table, hosts_components
from tools.ops.endpoints import describe, endpoint_config, variants
from tools.ops.tables import render, share


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("status", help="endpoints, variants, deployments, components, alarms",
                                   description=__doc__)
    parser.add_argument("endpoints", nargs="*", metavar="ENDPOINT",
                        help="default: the --stage's endpoints, or without --stage every endpoint in the region")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, aws: Aws) -> int:
    sagemaker, cloudwatch = aws.client("sagemaker"), aws.client("cloudwatch")
    names = args.endpoints or [
        summary["EndpointName"]
        for page in sagemaker.get_paginator("list_endpoints").paginate()
        for summary in page["Endpoints"]
    ]
    if not names:
        print("no endpoints in this region")
        return 0
    alarms = alarms_by_endpoint(cloudwatch)
    for index, name in enumerate(sorted(names)):
        description = describe(sagemaker, name)
        if index:
            print()
        print(f"{name}: {description['EndpointStatus']}, config {description['EndpointConfigName']}, "
              f"last update {description['LastModifiedTime']:%Y-%m-%d %H:%M:%S %Z}")
        if description.get("FailureReason"):
            print(f"  failure: {description['FailureReason']}")
        print(variant_table(variants(description)))
        pending = description.get("PendingDeploymentSummary")
        if pending:
            started = pending.get("StartTime")
            print(f"pending deployment: config {pending['EndpointConfigName']}"
                  + (f", started {started:%Y-%m-%d %H:%M:%S %Z}" if started else ""))
            print(variant_table(variants(description, pending=True)))
        if hosts_components(endpoint_config(sagemaker, description)):
            print(components_table(sagemaker, name))
        endpoint_alarms = alarms.get(name, [])
        if endpoint_alarms:
            print(render(("alarm", "state", "metric", "since"), endpoint_alarms))
        else:
            print("alarms: none on this endpoint's metrics")
    return 0


def variant_table(rows) -> str:
    total = sum(v.current_weight or 0 for v in rows)
    return render(
        ("variant", "weight", "share", "instances", "desired", "serverless", "status"),
        [(v.name, _num(v.current_weight), share(v.current_weight, total), v.current_instances,
          v.desired_instances, _serverless(v.serverless), "; ".join(v.statuses) or None) for v in rows],
    )


def alarms_by_endpoint(cloudwatch) -> dict[str, list[tuple[str, str, str, str]]]:
    found: dict[str, list[tuple[str, str, str, str]]] = {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page["MetricAlarms"]:
            dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            endpoint = dimensions.get("EndpointName")
            if endpoint:
                since = alarm.get("StateUpdatedTimestamp")
                found.setdefault(endpoint, []).append((
                    alarm["AlarmName"], alarm["StateValue"], alarm.get("MetricName", "-"),
                    f"{since:%Y-%m-%d %H:%M}" if since else "-",
                ))
    return found


def _num(value):
    return None if value is None else f"{value:g}"


def _serverless(config):
    if not config:
        return None
    return f"{config.get('MemorySizeInMB')} MB, max {config.get('MaxConcurrency')}"
