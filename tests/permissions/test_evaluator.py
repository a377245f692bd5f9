"""The evaluator against IAM's documented evaluation rules (IAM User Guide, "Policy evaluation logic" and
"IAM JSON policy elements: Condition operators"), and the template resolver on each intrinsic it supports."""

from __future__ import annotations

import pytest

from tests.permissions.evaluator import Principal, Request, UnsupportedPolicy, conditions_hold, evaluate, wildcard_match
from tests.permissions.world import StackTemplate, UnresolvedIntrinsic, World

ROLE = "arn:aws:iam::111111111111:role/app"
BUCKET_OBJECT = "arn:aws:s3:::data/models/m.tar.gz"
KEY = "arn:aws:kms:us-east-1:111111111111:key/k"


def allow(action="s3:GetObject", resource="arn:aws:s3:::data/*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def ask(action="s3:GetObject", resource=BUCKET_OBJECT, principal=Principal(arn=ROLE), **context) -> Request:
    return Request(principal, action, resource, context)


def test_wildcards_match_any_run_or_one_character_and_actions_ignore_case():
    assert wildcard_match("arn:aws:s3:::data/*", BUCKET_OBJECT)
    assert wildcard_match("s3:Get*", "S3:GETOBJECT", ignore_case=True)
    assert wildcard_match("arn:aws:s3:::dat?/*", BUCKET_OBJECT)
    assert not wildcard_match("arn:aws:s3:::data/models", BUCKET_OBJECT)
    assert not wildcard_match("arn:aws:s3:::DATA/*", BUCKET_OBJECT)  # resources are case-sensitive


def test_identity_allow_suffices_in_the_same_account_and_nothing_is_allowed_by_default():
    assert evaluate(ask(), [allow()], None).allowed
    assert not evaluate(ask(), [allow(resource="arn:aws:s3:::other/*")], None).allowed
    assert not evaluate(ask(), [], None).allowed


def test_fails_when_an_explicit_deny_anywhere_wins_over_allows():
    deny_http = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert evaluate(ask(**{"aws:SecureTransport": "true"}), [allow()], [deny_http]).allowed
    assert not evaluate(ask(**{"aws:SecureTransport": "false"}), [allow()], [deny_http]).allowed
    assert not evaluate(ask(), [allow(), {**allow(), "Effect": "Deny"}], None).allowed


def test_not_action_and_not_resource_invert_the_match():
    everything_but_delete = {"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"}
    assert evaluate(ask(), [everything_but_delete], None).allowed
    assert not evaluate(ask("s3:DeleteObject"), [everything_but_delete], None).allowed
    outside_models = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::data/models/*"}
    assert not evaluate(ask(), [outside_models], None).allowed


@pytest.mark.parametrize("conditions, context, holds", [
    ({"StringEquals": {"aws:SourceAccount": "111111111111"}}, {"aws:SourceAccount": "111111111111"}, True),
    ({"StringEquals": {"aws:SourceAccount": "111111111111"}}, {"aws:SourceAccount": "999999999999"}, False),
    ({"StringEquals": {"aws:SourceAccount": "111111111111"}}, {}, False),  # absent key: no match
    ({"StringNotEquals": {"aws:SourceAccount": "111111111111"}}, {}, True),  # negated operator, absent key
    ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:111111111111:alarm:*"}},
     {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:111111111111:alarm:x"}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:111111111111:alarm:*"}},
     {"aws:SourceArn": "arn:aws:events:us-east-1:111111111111:rule/x"}, False),
    ({"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}},
     {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}, True),  # any value of a key (OR)
    ({"StringEquals": {"a": "1"}, "Bool": {"b": "true"}}, {"a": "1", "b": "false"}, False),  # every block (AND)
    ({"Bool": {"kms:GrantIsForAWSResource": True}}, {"kms:GrantIsForAWSResource": "true"}, True),
    ({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": "1.3"}, False),
    ({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": "1.0"}, True),
    ({"Null": {"aws:SourceArn": "true"}}, {}, True),
    ({"Null": {"aws:SourceArn": "true"}}, {"aws:SourceArn": "x"}, False),
])
def test_condition_operators(conditions, context, holds):
    assert conditions_hold(conditions, context) is holds


def test_fails_on_operators_and_elements_it_does_not_implement():
    with pytest.raises(UnsupportedPolicy, match="ForAnyValue"):
        conditions_hold({"ForAnyValue:StringLike": {"aws:TagKeys": "x"}}, {"aws:TagKeys": "x"})
    with pytest.raises(UnsupportedPolicy, match="DateGreaterThan"):
        conditions_hold({"DateGreaterThan": {"aws:CurrentTime": "2020"}}, {"aws:CurrentTime": "2021"})
    with pytest.raises(UnsupportedPolicy, match="NotPrincipal"):
        evaluate(ask(), [], [{"Effect": "Allow", "NotPrincipal": {"AWS": ROLE}, "Action": "*", "Resource": "*"}])
    with pytest.raises(UnsupportedPolicy, match="policy variables"):
        evaluate(ask(), [allow(resource="arn:aws:s3:::data/${aws:username}/*")], None)


def test_a_key_policy_must_name_the_principal_or_delegate_to_its_account():
    use = ask("kms:Decrypt", KEY)
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}
    direct = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}
    identity = [allow("kms:Decrypt", KEY)]
    assert evaluate(use, identity, [root], kind="kms").allowed
    assert not evaluate(use, [], [root], kind="kms").allowed  # delegation still needs the identity Allow
    assert evaluate(use, [], [direct], kind="kms").allowed
    assert not evaluate(use, identity, [], kind="kms").allowed
    assert not evaluate(use, identity, None, kind="kms").allowed  # a key we know nothing about


def test_a_star_principal_covers_roles_and_services_alike():
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    grant = {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
             "Resource": "*"}
    request = ask("sns:Publish", "arn:aws:sns:us-east-1:111111111111:t", Principal(service="cloudwatch.amazonaws.com"),
                  **{"aws:SecureTransport": "false"})
    assert not evaluate(request, None, [grant, deny]).allowed


def test_a_service_principal_needs_the_resource_policy_and_its_conditions():
    topic = "arn:aws:sns:us-east-1:111111111111:alarms"
    cloudwatch = Principal(service="cloudwatch.amazonaws.com")
    grant = {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
             "Resource": topic, "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}
    request = ask("sns:Publish", topic, cloudwatch, **{"aws:SourceAccount": "111111111111"})
    assert evaluate(request, None, [grant]).allowed
    assert not evaluate(ask("sns:Publish", topic, cloudwatch, **{"aws:SourceAccount": "2"}), None, [grant]).allowed
    assert not evaluate(request, None, []).allowed
    assert not evaluate(request, None, None).allowed


def test_another_accounts_resource_needs_our_identity_allow_and_not_their_denial():
    image = "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn"
    assert evaluate(ask("ecr:BatchGetImage", image), [allow("ecr:BatchGetImage", image)], None).allowed
    assert not evaluate(ask("ecr:BatchGetImage", image), [], None).allowed
    other_only = [{"Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "*", "Resource": "*"}]
    assert not evaluate(ask("ecr:BatchGetImage", image), [allow("ecr:BatchGetImage", image)], other_only).allowed


def _world() -> World:
    data = StackTemplate("Dev-Data", "111111111111", "us-east-1", {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
                      "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms"}}},
        "Outputs": {"BucketArn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}, "Export": {"Name": "dev-BucketArn"}}},
    }, "Dev/Data")
    serving = StackTemplate("Dev-Serving", "111111111111", "us-east-1", {"Resources": {}, "Parameters": {"P": {}}},
                            "Dev/Serving")
    return World([data, serving])


@pytest.mark.parametrize("expression, value", [
    ({"Fn::ImportValue": "dev-BucketArn"}, "arn:aws:s3:::dev-data-bucket"),
    ({"Fn::Join": ["", [{"Fn::ImportValue": "dev-BucketArn"}, "/*"]]}, "arn:aws:s3:::dev-data-bucket/*"),
    ({"Fn::Select": [0, {"Fn::Split": ["/", {"Fn::Select": [5, {"Fn::Split": [":", {"Fn::ImportValue": "dev-BucketArn"}]}]}]}]},
     "dev-data-bucket"),
    ({"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:x"}, "arn:aws:logs:us-east-1:111111111111:x"),
    ({"Fn::Sub": ["${A}-${AWS::StackName}", {"A": "a"}]}, "a-Dev-Serving"),
])
def test_resolver_resolves_intrinsics_across_stacks(expression, value):
    world = _world()
    assert world.resolve(world.stack("Dev-Serving"), expression) == value


def test_resolver_reads_refs_and_attributes_of_its_own_stack():
    world = _world()
    data = world.stack("Dev-Data")
    assert world.resolve(data, {"Ref": "Topic"}) == "arn:aws:sns:us-east-1:111111111111:alarms"
    assert world.resolve(data, {"Fn::GetAtt": ["Topic", "TopicName"]}) == "alarms"


@pytest.mark.parametrize("expression, message", [
    ({"Fn::ImportValue": "dev-Nothing"}, "exports 'dev-Nothing'"),
    ({"Ref": "P"}, "parameter 'P' has no value offline"),
    ({"Fn::If": ["C", 1, 2]}, "Fn::If is not supported"),
    ({"Ref": "Missing"}, "no resource 'Missing'"),
])
def test_fails_on_what_the_resolver_cannot_know(expression, message):
    world = _world()
    with pytest.raises(UnresolvedIntrinsic, match=message):
        world.resolve(world.stack("Dev-Serving"), expression)
