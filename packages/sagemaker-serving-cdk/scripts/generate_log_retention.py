"""Generates _data/log_retention.py: CloudWatch Logs retention values, from aws-cdk-lib's RetentionDays.

The Python enum carries only member names; the day numbers live in the library's JavaScript, which the
installed aws-cdk-lib wheel ships inside its jsii tarball. Reading that file needs no Node and no jsii.
"""

from __future__ import annotations

import re
import sys
import tarfile
from importlib.metadata import distribution

from _generated import render, write_or_check

_MEMBER = re.compile(r"RetentionDays2\[RetentionDays2\.([A-Z_]+)=(\d+)\]")
_LOG_GROUP_JS = "package/aws-logs/lib/log-group.js"


def installed_source() -> tuple[str, str]:
    """aws-cdk-lib's version and the source of aws-logs/lib/log-group.js."""
    dist = distribution("aws-cdk-lib")
    tarball = dist.locate_file(f"aws_cdk/_jsii/aws-cdk-lib@{dist.version}.jsii.tgz")
    with tarfile.open(str(tarball)) as archive:
        member = archive.extractfile(_LOG_GROUP_JS)
        assert member is not None, f"{_LOG_GROUP_JS} is not in {tarball}"
        return dist.version, member.read().decode("utf-8")


def generate(version: str, log_group_js: str) -> str:
    members = {int(days): name for name, days in _MEMBER.findall(log_group_js)}
    if not members:
        raise ValueError(f"no RetentionDays members found in aws-cdk-lib {version} {_LOG_GROUP_JS}")
    return render(
        doc="CloudWatch Logs retention periods: days -> aws_logs.RetentionDays member name (INFINITE has no days).",
        source=f"aws-cdk-lib {version}, {_LOG_GROUP_JS.removeprefix('package/')} (enum RetentionDays)",
        generator="generate_log_retention.py",
        tables={"RETENTION_DAYS": dict(sorted(members.items()))},
    )


if __name__ == "__main__":
    sys.exit(write_or_check("log_retention.py", generate(*installed_source()), sys.argv[1:]))
