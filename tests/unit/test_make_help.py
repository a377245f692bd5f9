"""`make help` lists every target the Makefile declares phony, each with its `##` description."""

from __future__ import annotations

import re
import subprocess

from paths import PROJECT_ROOT

MAKEFILE = PROJECT_ROOT / "Makefile"


def phony_targets(makefile: str) -> list[str]:
    return [name for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.MULTILINE) for name in line.split()]


def make_help(makefile) -> dict[str, str]:
    done = subprocess.run(["make", "--no-print-directory", "-f", str(makefile), "help"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True)
    return dict(line.strip().split(maxsplit=1) for line in done.stdout.splitlines())


def test_help_lists_every_phony_target_with_a_description():
    listed = make_help(MAKEFILE)
    assert sorted(listed) == sorted(phony_targets(MAKEFILE.read_text()))
    assert all(description.endswith((".", ")")) for description in listed.values()), listed


def test_help_fails_to_list_a_target_without_a_comment(tmp_path):
    makefile = tmp_path / "Makefile"
    makefile.write_text(MAKEFILE.read_text() + "\n.PHONY: undocumented\nundocumented:\n\t@true\n")
    listed = make_help(makefile)
    assert "undocumented" not in listed
    assert sorted(listed) != sorted(phony_targets(makefile.read_text()))
