"""Prints what `cdk synth` produced: one row per stack with its stage, environment and resource count.

Usage: python -m tools.synth_summary [cdk.out]
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StackSummary:
    stage: str
    stack: str
    environment: str
    resources: int


@dataclass(frozen=True)
class AssemblyStack:
    stage: str
    stack: str  # the display name: `Dev/Data`, `Pipeline`
    environment: str  # `account/region`
    template_file: Path


def assembly_stacks(cloud_assembly: Path, stage: str = "(app)") -> list[AssemblyStack]:
    """Every stack in the assembly and its nested stage assemblies (one per environment; the pipeline deploys
    those same stages)."""
    manifest = json.loads((cloud_assembly / "manifest.json").read_text())
    stacks: list[AssemblyStack] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            nested = cloud_assembly / properties["directoryName"]
            stacks += assembly_stacks(nested, properties.get("displayName", artifact_id))
        elif artifact["type"] == "aws:cloudformation:stack":
            stacks.append(AssemblyStack(
                stage=stage,
                stack=artifact.get("displayName", artifact_id),
                environment=artifact.get("environment", "").removeprefix("aws://"),
                template_file=cloud_assembly / properties["templateFile"],
            ))
    return stacks


def summarize(cloud_assembly: Path) -> list[StackSummary]:
    return [
        StackSummary(stage=s.stage, stack=s.stack, environment=s.environment,
                     resources=len(json.loads(s.template_file.read_text()).get("Resources", {})))
        for s in assembly_stacks(cloud_assembly)
    ]


def render(rows: list[StackSummary]) -> str:
    """One row per stack."""
    header = ("stage", "stack", "account/region", "resources")
    table = [header] + [(r.stage, r.stack, r.environment, str(r.resources)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append(f"{len(rows)} stacks, {sum(r.resources for r in rows)} resources")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    cloud_assembly = Path(argv[0] if argv else "cdk.out")
    if not (cloud_assembly / "manifest.json").exists():
        print(f"error: no cloud assembly at {cloud_assembly}; run `make synth` first", file=sys.stderr)
        return 2
    print(render(summarize(cloud_assembly)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
