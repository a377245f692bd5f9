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


def summarize(cloud_assembly: Path) -> list[StackSummary]:
    """Walk the assembly and its nested stage assemblies (one per environment, and the pipeline's copies)."""
    rows: list[StackSummary] = []
    _walk(cloud_assembly, stage="(app)", rows=rows)
    return rows


def _walk(assembly_dir: Path, stage: str, rows: list[StackSummary]) -> None:
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            nested = assembly_dir / properties["directoryName"]
            _walk(nested, properties.get("displayName", artifact_id), rows)
        elif artifact["type"] == "aws:cloudformation:stack":
            template = json.loads((assembly_dir / properties["templateFile"]).read_text())
            rows.append(
                StackSummary(
                    stage=stage,
                    stack=artifact.get("displayName", artifact_id),
                    environment=artifact.get("environment", "").removeprefix("aws://"),
                    resources=len(template.get("Resources", {})),
                )
            )


def render(rows: list[StackSummary]) -> str:
    """One row per stack; the stages a pipeline deploys (`Pipeline/Dev`, ...) are the same templates as the
    top-level stages, so they are counted in one closing line instead of repeated."""
    pipeline_copies = [r for r in rows if "/" in r.stage]
    rows = [r for r in rows if "/" not in r.stage]
    header = ("stage", "stack", "account/region", "resources")
    table = [header] + [(r.stage, r.stack, r.environment, str(r.resources)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append(f"{len(rows)} stacks, {sum(r.resources for r in rows)} resources")
    if pipeline_copies:
        stages = sorted({r.stage for r in pipeline_copies})
        lines.append(f"+ {len(pipeline_copies)} stacks the pipeline deploys ({', '.join(stages)}), "
                     "the same templates as the stages above")
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
