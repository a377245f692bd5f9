"""The one error type constructs raise for bad props."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import IConstruct


class PropsError(ValueError):
    """Props a construct cannot honour. The message names the construct path, the value and what is allowed,
    and lists every problem found at once."""

    def __init__(self, scope: IConstruct, problems: str | Sequence[str]) -> None:
        listed = [problems] if isinstance(problems, str) else list(problems)
        self.path = scope.node.path
        self.problems = listed
        super().__init__(f"{self.path}: " + "; ".join(listed))
