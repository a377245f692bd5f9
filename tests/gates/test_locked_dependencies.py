"""The locks (requirements.lock, requirements-dev.lock) are what `make` installs: every package, transitive ones
included, pinned with hashes. These tests keep them honest without the network: each lock was compiled from the
current requirements*.txt (same top-level names and pins), carries hashes for every package, the dev lock agrees
with the app lock, and this virtual environment holds exactly the dev lock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
# lock file -> the requirements file it is compiled from (the dev lock is also constrained by the app lock)
LOCKS = {"requirements.lock": "requirements.txt", "requirements-dev.lock": "requirements-dev.txt"}


@dataclass
class Locked:
    version: str
    marker: str | None
    hashes: list[str]
    via: list[str] = field(default_factory=list)


def top_level_pins(name: str, root: Path = REPO_ROOT) -> dict[str, dict[str, Requirement]]:
    """{requirements file: {package: requirement}} for a requirements file and the files it includes with -r."""
    pins: dict[str, Requirement] = {}
    result = {name: pins}
    for line in (root / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            result.update(top_level_pins(line[2:].strip(), root))
        elif line:
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = requirement
    return result


def parse_lock(text: str) -> tuple[str, dict[str, list[Locked]]]:
    """(the compile command from uv's header, {package: Locked}) of a lock uv wrote with --generate-hashes."""
    header = re.search(r"^#\s+(uv pip compile .*)$", text, re.MULTILINE)
    entries: dict[str, list[Locked]] = {}
    current: Locked | None = None
    for line in text.replace("\\\n", " ").splitlines():
        if not line.strip():
            continue
        if line.startswith("#") and current is None:
            continue  # the header
        if line.lstrip().startswith("#"):
            # uv's "# via" annotations: "# via -r x" or "# via" followed by "#   name" lines
            source = line.lstrip("# ").removeprefix("via").strip()
            if current is not None and source:
                current.via.append(source)
            continue
        spec, *hashes = line.split("--hash=")
        requirement = Requirement(spec.strip())
        (pinned,) = requirement.specifier
        current = Locked(pinned.version, str(requirement.marker) if requirement.marker else None,
                         [h.strip() for h in hashes])
        # a package may appear twice with disjoint markers (e.g. one version per Python range)
        entries.setdefault(canonicalize_name(requirement.name), []).append(current)
    return (header.group(1) if header else ""), entries


def lock_problems(lock_name: str, root: Path = REPO_ROOT) -> list[str]:
    """Every way the lock disagrees with the requirements files it was compiled from."""
    source = LOCKS[lock_name]
    command, entries = parse_lock((root / lock_name).read_text())
    problems = []
    if not re.search(rf"(^|\s){re.escape(source)}(\s|$)", command) or f"-o {lock_name}" not in command:
        problems.append(f"{lock_name}: header says it was compiled by {command!r}, expected `make lock` "
                        f"(uv pip compile ... {source} ... -o {lock_name})")
    for name, versions in sorted(entries.items()):
        for locked in versions:
            if not locked.hashes or not all(h.startswith("sha256:") for h in locked.hashes):
                problems.append(f"{lock_name}: {name}=={locked.version} has no sha256 hashes: run `make lock`")
    for requirements, pins in top_level_pins(source, root).items():
        for name, requirement in sorted(pins.items()):
            locked_versions = [locked.version for locked in entries.get(name, [])]
            if not locked_versions:
                problems.append(f"{lock_name}: {requirements} requires {requirement}, the lock has no {name}: "
                                f"run `make lock`")
            elif not all(requirement.specifier.contains(version) for version in locked_versions):
                problems.append(f"{lock_name}: {requirements} requires {requirement}, the lock pins "
                                f"{name}=={', '.join(locked_versions)}: run `make lock`")
        # a package the lock still credits to a requirements file that no longer lists it
        credited = {name for name, versions in entries.items() if any(f"-r {requirements}" in v
                                                                       for locked in versions for v in locked.via)}
        for name in sorted(credited - set(pins)):
            problems.append(f"{lock_name}: locks {name} for {requirements}, which no longer requires it: "
                            f"run `make lock`")
    return problems


def test_locks_agree_with_requirements():
    assert [problem for lock in LOCKS for problem in lock_problems(lock)] == []


def test_dev_lock_holds_the_app_lock():
    """Tools and tests run against exactly the packages the app is locked to."""
    _, app = parse_lock((REPO_ROOT / "requirements.lock").read_text())
    _, dev = parse_lock((REPO_ROOT / "requirements-dev.lock").read_text())
    def pins(entries, names):
        return {name: [(locked.version, locked.marker, locked.hashes) for locked in entries.get(name, [])]
                for name in names}
    assert pins(dev, app) == pins(app, app)


def test_virtual_environment_holds_the_dev_lock():
    """`make setup` installed the lock (and nothing floated in since)."""
    _, dev = parse_lock((REPO_ROOT / "requirements-dev.lock").read_text())
    expected = {name: locked.version for name, versions in dev.items() for locked in versions
                if locked.marker is None or Requirement(f"x; {locked.marker}").marker.evaluate()}
    installed = {name: metadata.version(name) for name in expected}
    assert installed == expected


def copy_inputs(tmp_path: Path) -> Path:
    for name in [*LOCKS, *LOCKS.values()]:
        (tmp_path / name).write_text((REPO_ROOT / name).read_text())
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_fails_when_a_top_level_pin_moves_without_relocking(tmp_path):
    root = copy_inputs(tmp_path)
    edit(root / "requirements.txt", "pydantic==2.14.3", "pydantic==2.14.2")
    problems = lock_problems("requirements.lock", root) + lock_problems("requirements-dev.lock", root)
    assert [p for p in problems if "pydantic==2.14.2" in p and "the lock pins pydantic==2.14.3" in p]
    assert len(problems) == 2


def test_fails_when_a_requirement_is_added_without_relocking(tmp_path):
    root = copy_inputs(tmp_path)
    (root / "requirements-dev.txt").write_text((root / "requirements-dev.txt").read_text() + "deepdiff==9.1.0\n")
    assert lock_problems("requirements-dev.lock", root) == [
        "requirements-dev.lock: requirements-dev.txt requires deepdiff==9.1.0, the lock has no deepdiff: "
        "run `make lock`"]


def test_fails_when_a_requirement_is_removed_without_relocking(tmp_path):
    root = copy_inputs(tmp_path)
    edit(root / "requirements-dev.txt", "syrupy==7.0.1\n", "")
    assert lock_problems("requirements-dev.lock", root) == [
        "requirements-dev.lock: locks syrupy for requirements-dev.txt, which no longer requires it: run `make lock`"]


def test_fails_when_a_package_has_no_hashes(tmp_path):
    root = copy_inputs(tmp_path)
    lock = root / "requirements.lock"
    lock.write_text(re.sub(r"(jsii==[\d.]+) \\\n(\s+--hash=\S+ \\\n)*\s+--hash=\S+\n", r"\1\n", lock.read_text()))
    assert [p for p in lock_problems("requirements.lock", root) if "jsii==" in p and "no sha256 hashes" in p]


def test_fails_when_the_lock_was_compiled_from_another_file(tmp_path):
    root = copy_inputs(tmp_path)
    edit(root / "requirements.lock", "requirements.txt -o requirements.lock", "other.txt -o requirements.lock")
    assert [p for p in lock_problems("requirements.lock", root) if "header says" in p]


@pytest.mark.parametrize("lock", LOCKS)
def test_parse_lock_reads_every_entry(lock):
    """The parser sees as many pins as the file has `name==version` lines (a parser that drops entries would
    hide a missing package)."""
    text = (REPO_ROOT / lock).read_text()
    _, entries = parse_lock(text)
    lines = re.findall(r"^[A-Za-z0-9][\w.\-]*(?:\[[^\]]*\])?==", text, re.MULTILINE)
    assert sum(len(versions) for versions in entries.values()) == len(lines) > 20
