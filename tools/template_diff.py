"""`make diff`: what a change does to every stack, offline, the way `cdk diff` reports it.

Compares the current synth (cdk.out) with the committed template snapshots, or with the synth of a base git
ref, per stage and stack: added, removed and changed resources and properties; IAM policy statements and
security-group rules in their own section; and which changes REPLACE a resource. Replacements of stateful
resources and logical-ID renames come first and loudly.

Whether a property change replaces a resource comes from the CloudFormation registry schemas cfn-lint bundles
(`createOnlyProperties`: a new value means a new resource; `conditionalCreateOnlyProperties`: it may), not
from a hand-kept table. A replaced resource gets a new physical id, so a property of another resource that
refers to it (Ref, Fn::GetAtt, Fn::Sub) changes too, although its template text does not: such implied
changes are followed (an endpoint config replaced -> its endpoint updated in place).

Usage: python -m tools.template_diff [cdk.out] [--snapshots DIR | --base-ref REF | --base-cdk-out DIR]
                                     [--fail-on-replace [any|stateful]]
Exit code 0 (a review aid) unless --fail-on-replace and a resource would be replaced.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from paths import PROJECT_ROOT
from tools.synth_summary import assembly_stacks

REPO_ROOT = PROJECT_ROOT
SNAPSHOT_DIR = REPO_ROOT / "tests" / "gates" / "__snapshots__" / "test_snapshots"
MISSING = "<absent>"

# Resources whose replacement or deletion loses data or an identity others hold on to (ARNs in grants,
# subscriptions, encrypted objects). Any resource with a Retain/Snapshot policy counts as well.
STATEFUL_TYPES = frozenset({
    "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable",
    "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EFS::FileSystem", "AWS::Logs::LogGroup",
    "AWS::SageMaker::ModelPackageGroup", "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::ECR::Repository",
    "AWS::Kinesis::Stream", "AWS::SecretsManager::Secret",
})
KEEPING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
SECURITY_GROUP_RULES = ("SecurityGroupIngress", "SecurityGroupEgress")
SECURITY_TYPES = frozenset({
    "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group",
    "AWS::IAM::InstanceProfile", "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
    "AWS::Lambda::Permission", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
})
IMPACT_ORDER = {"replace": 3, "may replace": 2, "unknown": 1, "update": 0}


# ------------------------------------------------------------------------------------------ loading & noise


def strip_noise(template: dict) -> dict:
    """The template without what never changes behaviour: CDK's construct-path and asset metadata and the
    CDKMetadata resource (analytics)."""
    template = json.loads(json.dumps(template))
    resources = template.get("Resources", {})
    for logical_id in [k for k, r in resources.items() if r.get("Type") == "AWS::CDK::Metadata"]:
        del resources[logical_id]
    template.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    for resource in resources.values():
        metadata = {k: v for k, v in resource.get("Metadata", {}).items()
                    if k != "aws:cdk:path" and not k.startswith("aws:asset:")}
        resource.pop("Metadata", None)
        if metadata:
            resource["Metadata"] = metadata
    return template


def load_synth(cloud_assembly: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """({stack: template}, {stack: region}) of the top-level stacks and the stages' stacks (`Dev/Data`); the
    pipeline's copies of the stages are the same templates, so they are left out."""
    if not (cloud_assembly / "manifest.json").exists():
        raise SystemExit(f"error: no cloud assembly at {cloud_assembly}; run `make synth` first")
    stacks = [s for s in assembly_stacks(cloud_assembly) if "/" not in s.stage]
    return ({s.stack: json.loads(s.template_file.read_text()) for s in stacks},
            {s.stack: s.environment.rpartition("/")[2] for s in stacks})


def load_snapshots(directory: Path) -> dict[str, dict]:
    """The committed snapshots: each file maps stack names (`Dev/Data`, `Pipeline`) to templates."""
    templates: dict[str, dict] = {}
    for path in sorted(directory.glob("*.json")):
        templates.update(json.loads(path.read_text()))
    if not templates:
        raise SystemExit(f"error: no template snapshots in {directory}; record them with `make snapshot`")
    return templates


# ------------------------------------------------------------------------------- update behaviour (schemas)


@lru_cache(maxsize=None)
def resource_schema(resource_type: str, region: str = "us-east-1") -> dict | None:
    """The CloudFormation registry schema of a resource type, as bundled with the pinned cfn-lint (never its
    download cache: the answer must not depend on the machine). None for unknown types."""
    from cfnlint.helpers import REGIONS

    try:
        return _schema_manager().get_resource_schema(region if region in REGIONS else "us-east-1",
                                                     resource_type).schema
    except Exception:  # cfn-lint raises ResourceNotFoundError (and others for malformed type names)
        return None


@lru_cache(maxsize=None)
def _schema_manager():
    import cfnlint  # imported on first use: loading cfn-lint takes a moment
    from cfnlint.schema.manager import ProviderSchemaManager

    bundled = Path(cfnlint.__file__).parent / "data" / "schemas"
    return ProviderSchemaManager(providers_dir=bundled / "providers", resources_dir=bundled / "resources")


def property_impact(resource_type: str, path: tuple, region: str = "us-east-1") -> str:
    """`replace`, `may replace`, `update` (in place) or `unknown` (no schema, or a custom resource's handler
    decides) for a change at `path` (property names and list indices) of a resource's Properties."""
    schema = resource_schema(resource_type, region)
    if schema is None:
        return "unknown"
    pointer = "/properties/" + "/".join("*" if isinstance(p, int) else str(p) for p in path)
    for impact, key in (("replace", "createOnlyProperties"), ("may replace", "conditionalCreateOnlyProperties")):
        for create_only in schema.get(key, []):
            if pointer == create_only or pointer.startswith(create_only + "/") or create_only.startswith(pointer + "/"):
                return impact
    # A custom resource's handler gets the update and may answer with a new physical id (a replacement).
    return "unknown" if schema.get("typeName") == "AWS::CloudFormation::CustomResource" else "update"


# ------------------------------------------------------------------------------------------------- the diff


@dataclass
class Change:
    path: tuple  # ("Properties", "ProductionVariants", 0, "InitialVariantWeight"), ("DeletionPolicy",)
    old: Any
    new: Any
    impact: str = "update"
    cause: str = ""  # for an implied change: what makes the value change


@dataclass
class ResourceDiff:
    logical_id: str
    type: str
    kind: str  # added | removed | modified | renamed
    old_id: str = ""  # renamed: the logical id it had
    changes: list[Change] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    stateful: bool = False
    retained: bool = False  # the old resource survives its deletion or replacement (Retain/Snapshot policy)
    similarity: float = 1.0  # renamed: share of identical properties
    fixed_names: list[str] = field(default_factory=list)  # create-only name properties set and unchanged

    @property
    def impact(self) -> str:
        if self.kind == "renamed":
            return "replace"
        if self.kind != "modified":
            return ""
        return max((c.impact for c in self.changes), key=IMPACT_ORDER.__getitem__, default="update")

    @property
    def loud(self) -> bool:
        """Shown first: a stateful resource replaced or deleted or no longer retained, every rename, and a
        replacement that keeps a custom name."""
        unretained = any(c.path in (("DeletionPolicy",), ("UpdateReplacePolicy",)) and c.old in KEEPING_POLICIES
                         and c.new not in KEEPING_POLICIES for c in self.changes)
        return self.kind == "renamed" or bool(self.impact == "replace" and self.fixed_names) or (
            self.stateful and (self.impact in ("replace", "may replace") or self.kind == "removed" or unretained))


@dataclass
class StackDiff:
    stack: str
    status: str  # added | removed | changed | unchanged
    resources: list[ResourceDiff] = field(default_factory=list)
    sections: list[Change] = field(default_factory=list)  # Outputs, Parameters, Conditions, ...


def value_changes(old: Any, new: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any, Any]]:
    """(path, old, new) at the deepest point where two JSON values differ; intrinsic functions ({"Ref": ..},
    {"Fn::X": ..}) and lists of different length compare whole."""
    if old == new:
        return
    if isinstance(old, str) and isinstance(new, str) and (parsed := json_documents(old, new)):
        yield from value_changes(*parsed, (*path, "(json)"))
    elif isinstance(old, dict) and isinstance(new, dict) and not (is_intrinsic(old) and is_intrinsic(new)):
        for key in sorted(set(old) | set(new), key=str):
            yield from value_changes(old.get(key, MISSING), new.get(key, MISSING), (*path, key))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new)):
            yield from value_changes(a, b, (*path, index))
    else:
        yield path, old, new


def json_documents(old: str, new: str) -> tuple[Any, Any] | None:
    """Both strings parsed, when both are JSON objects or arrays (a BuildSpec, a state machine definition):
    then their difference is shown field by field instead of as two long strings."""
    try:
        parsed = json.loads(old), json.loads(new)
    except ValueError:
        return None
    return parsed if all(isinstance(p, (dict, list)) for p in parsed) else None


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::"))


def nodes(value: Any, stop=lambda node: False, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """(path, object) for every JSON object inside a value, not looking inside the objects `stop` accepts."""
    if isinstance(value, dict):
        yield path, value
        children = [] if stop(value) else value.items()
    else:
        children = enumerate(value) if isinstance(value, list) else []
    for key, item in children:
        yield from nodes(item, stop, (*path, key))


def is_reference(node: dict) -> bool:
    return isinstance(node.get("Ref"), str) or "Fn::GetAtt" in node or "Fn::Sub" in node


def references(value: Any) -> Iterator[tuple[tuple, str]]:
    """(path, logical id) of every Ref, Fn::GetAtt and Fn::Sub reference inside a value."""
    for path, node in nodes(value, is_reference):
        if isinstance(node.get("Ref"), str):
            yield path, node["Ref"]
        elif "Fn::GetAtt" in node:
            target = node["Fn::GetAtt"]
            yield path, (target[0] if isinstance(target, list) else str(target).split(".")[0])
        elif "Fn::Sub" in node:
            text = node["Fn::Sub"][0] if isinstance(node["Fn::Sub"], list) else node["Fn::Sub"]
            for name in re.findall(r"\$\{([^!}][^}.]*)", str(text)):
                yield path, name


def masked_references(value: Any) -> Any:
    """The value with every referenced logical id replaced by one token: a renamed resource's properties
    equal its old ones although they refer to other renamed resources."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str) and not value["Ref"].startswith("AWS::"):
            return {"Ref": "<ref>"}
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return {"Fn::GetAtt": ["<ref>", target[1] if isinstance(target, list) else str(target).split(".", 1)[-1]]}
        return {key: masked_references(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked_references(item) for item in value]
    return value


def similarity(old: dict, new: dict) -> float:
    """Share of top-level properties equal up to the logical ids they refer to (1.0: only the id moved)."""
    a, b = masked_references(old.get("Properties", {})), masked_references(new.get("Properties", {}))
    keys = set(a) | set(b)
    return 1.0 if not keys else sum(a.get(k, MISSING) == b.get(k, MISSING) for k in keys) / len(keys)


def is_stateful(*resources: dict) -> bool:
    return any(r.get("Type") in STATEFUL_TYPES or r.get("DeletionPolicy") in KEEPING_POLICIES
               or r.get("UpdateReplacePolicy") in KEEPING_POLICIES for r in resources)


def is_policy_document(node: dict) -> bool:
    return "Statement" in node and not is_intrinsic(node)


def policy_documents(value: Any) -> Iterator[tuple[tuple, dict]]:
    """(path, document) of every IAM policy document inside a value (anything with a Statement)."""
    return ((path, node) for path, node in nodes(value, is_policy_document) if is_policy_document(node))


def statements(document: dict) -> list:
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def compact(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compact_pair(old: Any, new: Any) -> str:
    """`old -> new`; two long strings are cut to where they differ, with some context."""
    if not (isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 80):
        return f"{compact(old)} -> {compact(new)}"
    start = max(len(os.path.commonprefix([old, new])) - 20, 0)
    end = len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))

    def cut(text: str) -> str:
        return ("..." if start else "") + text[start: len(text) - end] + ("..." if end else "")

    return f"{compact(cut(old))} -> {compact(cut(new))}"


def describe_statement(statement: dict) -> str:
    parts = [statement.get("Effect", "?")]
    for key in ("Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"):
        if key in statement:
            parts.append(f"{key}={compact(statement[key], 240)}")
    return " ".join(parts)


def multiset_diff(old: list, new: list) -> tuple[list, list]:
    """(removed, added) items of two lists compared as multisets (statement order does not matter)."""
    key = functools.partial(json.dumps, sort_keys=True)
    old_count, new_count = Counter(map(key, old)), Counter(map(key, new))
    removed = [json.loads(k) for k in (old_count - new_count).elements()]
    added = [json.loads(k) for k in (new_count - old_count).elements()]
    return removed, added


def security_changes(old: dict, new: dict) -> tuple[list[str], dict[tuple, bool]]:
    """Lines for changed policy statements and security-group rules, and the property paths they cover (with
    whether anything changed there: statements in another order are the same policy)."""
    lines: list[str] = []
    covered: dict[tuple, bool] = {}
    old_docs = dict(policy_documents(old.get("Properties", {})))
    new_docs = dict(policy_documents(new.get("Properties", {})))
    for path in sorted(set(old_docs) | set(new_docs), key=str):
        before, after = old_docs.get(path, {}), new_docs.get(path, {})
        removed, added = multiset_diff(statements(before), statements(after))
        where = format_path(path) or "policy"
        lines += [f"[-] {where}: {describe_statement(s)}" for s in removed if isinstance(s, dict)]
        lines += [f"[+] {where}: {describe_statement(s)}" for s in added if isinstance(s, dict)]
        rest = [(p, a, b) for p, a, b in value_changes(before, after) if p[:1] != ("Statement",)]
        lines += [f"[~] {where}.{format_path(p)}: {compact_pair(a, b)}" for p, a, b in rest]
        covered[path] = bool(removed or added or rest)
    for rules in SECURITY_GROUP_RULES:
        old_rules = old.get("Properties", {}).get(rules, [])
        new_rules = new.get("Properties", {}).get(rules, [])
        if isinstance(old_rules, list) and isinstance(new_rules, list):
            removed, added = multiset_diff(old_rules, new_rules)
            covered[(rules,)] = bool(removed or added)
            lines += [f"[-] {rules}: {compact(r, 240)}" for r in removed]
            lines += [f"[+] {rules}: {compact(r, 240)}" for r in added]
    if new.get("Type", old.get("Type")) in SECURITY_TYPES:
        for path, before, after in value_changes(old.get("Properties", {}), new.get("Properties", {})):
            if not any(path[: len(c)] == c for c in covered):
                lines.append(f"[~] {format_path(path)}: {compact_pair(before, after)}")
    return lines, covered


def format_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def diff_resource(logical_id: str, old: dict, new: dict, region: str) -> ResourceDiff:
    resource_type = new.get("Type", old.get("Type"))
    diff = ResourceDiff(logical_id, resource_type, "modified", stateful=is_stateful(old, new),
                        retained=old.get("UpdateReplacePolicy") in KEEPING_POLICIES)
    diff.security, covered = security_changes(old, new)
    diff.fixed_names = fixed_names(resource_type, old, new, region)
    if old.get("Type") != new.get("Type"):
        diff.changes.append(Change(("Type",), old.get("Type"), new.get("Type"), "replace"))
    in_security: dict[tuple, str] = {}  # covered path -> impact: listed once, the statements under security
    for path, before, after in value_changes(old.get("Properties", {}), new.get("Properties", {})):
        impact = property_impact(resource_type, path, region)
        if cover := next((c for c in covered if path[: len(c)] == c), None):
            in_security[cover] = max(impact, in_security.get(cover, "update"), key=IMPACT_ORDER.__getitem__)
        else:
            diff.changes.append(Change(("Properties", *path), before, after, impact))
    diff.changes += [Change(("Properties", *cover), "", "", impact, cause="changed, see IAM and security changes")
                     for cover, impact in in_security.items() if covered[cover]]
    for key in sorted((set(old) | set(new)) - {"Type", "Properties"}):
        for path, before, after in value_changes(old.get(key, MISSING), new.get(key, MISSING), (key,)):
            diff.changes.append(Change(path, before, after, "update"))
    return diff


def fixed_names(resource_type: str, old: dict, new: dict, region: str) -> list[str]:
    """Create-only name properties (`BucketName`, `EndpointName`) set to the same value in both versions:
    CloudFormation cannot replace a custom-named resource, and a renamed copy collides with the old name."""
    schema = resource_schema(resource_type, region) or {}
    names = [p.removeprefix("/properties/") for p in schema.get("createOnlyProperties", [])
             if p.count("/") == 2 and p.endswith("Name")]
    before, after = old.get("Properties", {}), new.get("Properties", {})
    return [name for name in names if name in after and before.get(name) == after[name]]


def diff_stack(stack: str, old: dict | None, new: dict | None, region: str = "us-east-1") -> StackDiff:
    """Every change between two versions of a stack's template (either may be None: stack added/removed)."""
    old_t, new_t = strip_noise(old or {}), strip_noise(new or {})
    status = "added" if old is None else "removed" if new is None else "changed"
    result = StackDiff(stack, status)
    if status == "removed":  # cdk deploy leaves a stack that left the app as it is: nothing is deleted
        return result
    old_res, new_res = old_t.get("Resources", {}), new_t.get("Resources", {})

    removed = {k: v for k, v in old_res.items() if k not in new_res}
    added = {k: v for k, v in new_res.items() if k not in old_res}
    # logical-ID renames: a removed and an added resource of one type whose properties match (best first)
    pairs = sorted(((similarity(removed[a], added[b]), a, b) for a in removed for b in added
                    if removed[a].get("Type") == added[b].get("Type")), key=lambda p: (-p[0], p[1], p[2]))
    for score, old_id, new_id in pairs:
        if score >= 0.5 and old_id in removed and new_id in added:
            diff = diff_resource(new_id, removed.pop(old_id), added.pop(new_id), region)
            diff.kind, diff.old_id, diff.similarity = "renamed", old_id, score
            result.resources.append(diff)
    for logical_id, resource in removed.items():
        result.resources.append(ResourceDiff(logical_id, resource.get("Type"), "removed",
                                             stateful=is_stateful(resource),
                                             retained=resource.get("DeletionPolicy") in KEEPING_POLICIES,
                                             security=security_changes(resource, {})[0]))
    for logical_id, resource in added.items():
        result.resources.append(ResourceDiff(logical_id, resource.get("Type"), "added",
                                             stateful=is_stateful(resource),
                                             security=security_changes({}, resource)[0]))
    modified = {k: diff_resource(k, old_res[k], new_res[k], region) for k in old_res if k in new_res}
    follow_replacements(modified, new_res, region)
    result.resources += [d for d in modified.values() if d.changes or d.security]
    result.resources.sort(key=lambda d: (d.kind != "renamed", d.logical_id))

    for section in ("Parameters", "Conditions", "Mappings", "Rules", "Outputs"):
        for path, before, after in value_changes(old_t.get(section, {}), new_t.get(section, {}), (section,)):
            result.sections.append(Change(path, before, after))
    replaced = {d.logical_id for d in [*modified.values(), *result.resources] if d.impact == "replace"}
    for name, output in new_t.get("Outputs", {}).items():
        hit = sorted({target for _, target in references(output.get("Value"))} & replaced)
        if hit and "Export" in output:
            result.sections.append(Change(("Outputs", name, "Value"), "", "", "update", cause=(
                f"its value changes: {', '.join(hit)} replaced; CloudFormation refuses to change an export "
                "while another stack imports it")))
    if status == "changed" and not result.resources and not result.sections:
        result.status = "unchanged"
    return result


def follow_replacements(modified: dict[str, ResourceDiff], resources: dict, region: str) -> None:
    """Add the implied changes of properties that refer to a replaced resource, until nothing new is replaced.
    (A reference to a renamed resource changes its text, so it is an explicit change already.)"""
    def overlaps(a: tuple, b: tuple) -> bool:
        return a[: len(b)] == b or b[: len(a)] == a

    while True:
        replaced = {k for k, d in modified.items() if d.impact == "replace"}
        for logical_id, diff in modified.items():
            for path, target in references(resources[logical_id].get("Properties", {})):
                full, cause = ("Properties", *path), f"changes because {target} is replaced"
                if target not in replaced or target == logical_id or any(
                        not c.cause and overlaps(c.path, full) for c in diff.changes):
                    continue
                impact = property_impact(diff.type, path, region)
                shown = ("Properties", path[0])  # one line per property and cause, with the strongest impact
                same = next((c for c in diff.changes if c.path == shown and c.cause == cause), None)
                if same:
                    same.impact = max(same.impact, impact, key=IMPACT_ORDER.__getitem__)
                else:
                    diff.changes.append(Change(shown, "", "", impact, cause=cause))
        if {k for k, d in modified.items() if d.impact == "replace"} == replaced:
            return


def diff_templates(base: dict[str, dict], current: dict[str, dict], regions: dict[str, str]) -> list[StackDiff]:
    return [diff_stack(stack, base.get(stack), current.get(stack),
                       regions.get(stack, "us-east-1"))
            for stack in sorted(set(base) | set(current))]


# ----------------------------------------------------------------------------------------------- rendering


def render(diffs: list[StackDiff], base_label: str, current_label: str) -> str:
    lines = [f"Template diff: {base_label} -> {current_label}", ""]
    loud = [(d.stack, r) for d in diffs for r in d.resources if r.loud]
    if loud:
        lines.append("!!! STATEFUL RESOURCES REPLACED OR DELETED, LOGICAL-ID RENAMES, REPLACEMENTS THAT FAIL !!!")
        for stack, r in loud:
            lines.append(f"!!! {stack}: {headline(r)}")
        lines.append("")
    for d in diffs:
        if d.status == "unchanged":
            continue
        lines.append(f"Stack {d.stack}" + {"added": " (new stack)", "removed": (
            " REMOVED from the app: `cdk deploy` leaves the deployed stack as it is; destroy it deliberately"
        )}.get(d.status, ""))
        security = [r for r in d.resources if r.security]
        if security:
            lines.append("IAM and security changes")
            for r in security:
                lines.append(f"{MARKS[r.kind]} {r.type} {r.logical_id}")
                lines += [f"  {line}" for line in r.security]
        if d.resources:
            lines.append("Resources")
            for r in d.resources:
                lines.append(headline(r))
                lines += [f"  {line}" for line in change_lines(r)]
        lines += [change_line(change) for change in d.sections]
        lines.append("")
    counts = Counter(r.kind for d in diffs for r in d.resources)
    replacements = sum(r.impact == "replace" for d in diffs for r in d.resources)
    changed = [d.stack for d in diffs if d.status != "unchanged"]
    lines.append(f"{len(changed)} of {len(diffs)} stacks differ: {counts['added']} added, {counts['removed']} removed, "
                 f"{counts['modified']} modified, {counts['renamed']} renamed; {replacements} replaced"
                 if changed else f"no differences in {len(diffs)} stacks")
    return "\n".join(lines)


MARKS = {"added": "[+]", "removed": "[-]", "modified": "[~]", "renamed": "[~]"}


def headline(r: ResourceDiff) -> str:
    text = f"{MARKS[r.kind]} {r.type} {r.logical_id}"
    old_one = "the old one stays in the account, orphaned" if r.retained else "the old one is DELETED"
    if r.kind == "renamed":
        kind = "identical properties" if r.similarity == 1 else f"{r.similarity:.0%} of properties equal"
        text += f" RENAMED from {r.old_id} ({kind}): REPLACED by a new resource, {old_one}"
    elif r.kind == "added":
        pass
    elif r.kind == "removed":
        text += " removed: " + ("it stays in the account, orphaned" if r.retained else "DELETED")
    elif r.impact in ("replace", "may replace"):
        text += f" {r.impact.upper()}" + (f": {old_one}" if r.stateful else "")
    elif r.impact == "unknown":
        text += " update (no schema, or a custom resource's handler decides)"
    else:
        text += " update in place"
    if r.impact == "replace" and r.fixed_names:
        text += (f"; FAILS: it keeps its custom {', '.join(r.fixed_names)}, and CloudFormation cannot replace a "
                 "custom-named resource (change the name as well)")
    if r.stateful and r.kind != "added":
        text += "  [stateful]"
    return text


def change_line(c: Change) -> str:
    note = {"replace": " (requires replacement)", "may replace": " (may require replacement)"}.get(c.impact, "")
    mark = "[+]" if c.old == MISSING else "[-]" if c.new == MISSING else "[~]"
    return f"{mark} {format_path(c.path)}: {c.cause or compact_pair(c.old, c.new)}{note}"


def change_lines(r: ResourceDiff) -> list[str]:
    return [change_line(c) for c in r.changes]


# --------------------------------------------------------------------------------------------------- base ref


@contextmanager
def synthesized_ref(ref: str, repo_root: Path = REPO_ROOT) -> Iterator[Path]:
    """The cloud assembly of `ref`, synthesized by its own `make synth` in a temporary worktree. It reuses this
    checkout's .venv / node_modules when the ref pins the same packages (else builds its own)."""
    def same(*paths: str) -> bool:
        return subprocess.run(["git", "diff", "--quiet", ref, "--", *paths], cwd=repo_root).returncode == 0

    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo_root,
                      capture_output=True).returncode:
        raise SystemExit(f"error: BASE={ref!r} is no commit in this repository; give a branch, tag or commit "
                         "(fetch it first, e.g. `git fetch origin main` for origin/main)")
    with tempfile.TemporaryDirectory(prefix="template-diff-") as tmp:
        worktree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--quiet", "--detach", str(worktree), ref], cwd=repo_root,
                       check=True)
        try:
            keep = []
            for directory, inputs in ((".venv", ("requirements*",)), ("node_modules", ("package.json", "package-lock.json"))):
                if (repo_root / directory).exists() and same(*inputs):
                    (worktree / directory).symlink_to((repo_root / directory).resolve())
                    keep += ["-o", f"{directory}/.installed"]
            log = Path(tmp) / "synth.log"
            with log.open("w") as out:
                result = subprocess.run(["make", "-C", str(worktree), *keep, "synth"], stdout=out, stderr=out,
                                        env={**os.environ, "MAKEFLAGS": ""})
            if result.returncode:
                raise SystemExit(f"error: `make synth` of {ref} failed:\n{log.read_text()[-4000:]}")
            yield worktree / "cdk.out"
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=repo_root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cloud_assembly", nargs="?", default="cdk.out", type=Path)
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--snapshots", type=Path, default=SNAPSHOT_DIR, help="compare with these snapshots (default)")
    base.add_argument("--base-ref", help="compare with the synth of this git ref (e.g. origin/main)")
    base.add_argument("--base-cdk-out", type=Path, help="compare with this cloud assembly")
    parser.add_argument("--fail-on-replace", nargs="?", const="any", choices=("any", "stateful"),
                        help="exit 1 when a resource (any, or only a stateful one) would be replaced or renamed")
    args = parser.parse_args(argv)

    current, regions = load_synth(args.cloud_assembly)
    if args.base_ref:
        with synthesized_ref(args.base_ref) as base_out:
            base_templates, base_regions = load_synth(base_out)
        label = f"synth of {args.base_ref}"
    elif args.base_cdk_out:
        base_templates, base_regions = load_synth(args.base_cdk_out)
        label = str(args.base_cdk_out)
    else:
        base_templates, base_regions, label = load_snapshots(args.snapshots), {}, "committed snapshots"
    diffs = diff_templates(base_templates, current, {**base_regions, **regions})
    print(render(diffs, label, f"current synth ({args.cloud_assembly})"))
    replaced = [r for d in diffs for r in d.resources if r.impact == "replace" or r.loud]
    if args.fail_on_replace == "stateful":
        replaced = [r for r in replaced if r.loud]
    return 1 if args.fail_on_replace and replaced else 0


if __name__ == "__main__":
    sys.exit(main())
