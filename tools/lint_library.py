"""The construct library's code habits: ruff lint, ruff format and mypy --strict, with the settings in the
library's pyproject.toml. One list of checks for `make lint`, the gate in `make test`
(tests/gates/test_library_lint.py) and the pre-commit hook (.pre-commit-config.yaml).

Usage: python -m tools.lint_library [LIBRARY_DIR]   (default packages/sagemaker-serving-cdk; exit 1 on a finding)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LIBRARY = PROJECT_ROOT / "packages" / "sagemaker-serving-cdk"
# Outside the library, so a copy of it (the gate's negative test) reuses the analysis of aws-cdk-lib,
# which costs about a minute of CPU cold and under a second warm.
MYPY_CACHE = PROJECT_ROOT / "build" / "mypy-cache"

# Run inside the library directory, so both tools read its pyproject.toml; every file of it is checked.
CHECKS: dict[str, list[str]] = {
    "ruff check": ["ruff", "check", "--no-cache", "."],
    "ruff format": ["ruff", "format", "--check", "--no-cache", "."],
    "mypy --strict": ["mypy", "--cache-dir", str(MYPY_CACHE), "src"],
}


def run_checks(library: Path = LIBRARY) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each check's finished process; the tools are the ones installed beside this interpreter (the lock's)."""
    tools = Path(sys.executable).parent
    return {
        name: subprocess.run([str(tools / command[0]), *command[1:]], cwd=library, capture_output=True, text=True)
        for name, command in CHECKS.items()
    }


def main(argv: list[str]) -> int:
    library = Path(argv[0]).resolve() if argv else LIBRARY
    failed = []
    for name, result in run_checks(library).items():
        if result.returncode != 0:
            failed.append(name)
            print(f"--- {name} failed in {library}:\n{result.stdout}{result.stderr}", file=sys.stderr)
    if failed:
        print(f"error: {', '.join(failed)} failed; `ruff format` and `ruff check --fix` in the library fix "
              "most lint and format findings", file=sys.stderr)
        return 1
    print(f"{', '.join(CHECKS)}: clean ({library})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
