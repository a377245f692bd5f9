"""Plain aligned text tables for terminal output."""

from __future__ import annotations

from typing import Optional, Sequence


def render(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    table = [list(header)] + [["-" if cell is None else str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def share(weight: Optional[float], total: float) -> Optional[str]:
    """A variant's share of traffic; unknown (None) when no variant reports a weight (e.g. serverless)."""
    return None if weight is None or not total else f"{100 * weight / total:.0f}%"
