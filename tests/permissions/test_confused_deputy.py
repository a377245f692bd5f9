"""Every grant to an AWS service principal carries a confused-deputy condition (IAM User Guide, "The confused
deputy problem"): aws:SourceAccount/aws:SourceArn, or for KMS kms:ViaService / an encryption-context key."""

from __future__ import annotations

from tests.permissions.requirements import CONFUSED_DEPUTY
from tests.permissions.world import World

GUARD_PREFIXES = ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "kms:ViaService", "kms:EncryptionContext:")
# Service principals trusted without such a condition, by stack kind, with the reason.
ACKNOWLEDGED = {
    ("Data", "lambda.amazonaws.com"): "CDK's own auto-delete-objects provider (dev only); Lambda is the only "
                                      "service that assumes it, for one function of this stack",
    ("Pipeline", "codebuild.amazonaws.com"): "trust policies CDK Pipelines generates for its CodeBuild projects",
    ("Pipeline", "codepipeline.amazonaws.com"): "trust policies CDK Pipelines generates for the pipeline",
    ("Data", "events.amazonaws.com"): "the alarm topic key's grant to EventBridge (deployment events): its KMS "
                                      "requests for an SSE-KMS topic carry no source account or ARN to condition on; "
                                      "the topic policy admits only the rule (aws:SourceArn)",
}


def unguarded(world: World) -> list[str]:
    found = []
    for arn, (kind, statements) in world.resource_policies.items():
        owner = world.policy_owners[arn]
        for statement in statements:
            services = statement.get("Principal", {}).get("Service", []) if isinstance(statement.get("Principal"), dict) else []
            services = services if isinstance(services, list) else [services]
            keys = [k for block in statement.get("Condition", {}).values() for k in block]
            for service in services:
                if statement.get("Effect") != "Allow" or any(k.startswith(GUARD_PREFIXES) for k in keys):
                    continue
                if (owner.rsplit("/", 1)[-1], service) not in ACKNOWLEDGED:
                    found.append(f"{owner}: {service} on {arn} ({kind} policy) has no confused-deputy condition")
    return found


def test_service_principals_carry_confused_deputy_conditions(world):
    problems = unguarded(world)
    assert not problems, f"see {CONFUSED_DEPUTY}:\n  " + "\n  ".join(problems)


def test_fails_on_an_unconditioned_service_grant(world):
    key = next(arn for arn, (kind, _) in world.resource_policies.items() if kind == "kms")
    broken = world.without_statements([])
    kind, statements = broken.resource_policies[key]
    broken.resource_policies[key] = (kind, [*statements, {
        "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}])
    assert any("cloudwatch.amazonaws.com" in p for p in unguarded(broken))
