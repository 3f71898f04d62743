"""Least privilege: which actions each role gets, on which resources, and why "*".

The Resource "*" check is data-driven: cfn-lint ships AWS's own table of actions and
the resource types each can be scoped to. An action with no resource type can only be
granted on "*"; a scoped ARN for it would deny every call.
"""

import functools
import json
from importlib.resources import files
from typing import Any

import pytest

from tests.infra.stacks import (
    Stack,
    actions,
    as_list,
    load,
    policies,
    role_statements,
)

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:chatops/{}-AbCdEf"
EVERYTHING = {
    "ChatCredentialsSecretArn": SECRET.format("chat-sa"),
    "WebhookUrlSecretArn": SECRET.format("webhook"),
    "SmtpPasswordSecretArn": SECRET.format("smtp"),
    "SecretsKmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd",
    "SecretParametersPath": "/chatops/",
    "SesIdentity": "example.com",
    "DeliveryRecords": "true",
    "AlertsEmail": "secops@example.com",
    "NotifierReservedConcurrency": "5",
    "GuardDutyRegions": "us-east-1,eu-west-1",
    "GoogleServiceAccountUniqueId": "112233445566778899001",
    "GoogleTokenAudience": "guardduty-chatops",
}
ADMIN_ROLE = "arn:aws:iam::444455556666:role/guardduty-chatops-bot"
SCENARIOS = {
    "defaults": {},
    "everything": EVERYTHING,
    "role in another account": {**EVERYTHING, "GuardDutyRoleArn": ADMIN_ROLE},
    "notifier only": {"DeployBot": "false"},
    "bot on Google Cloud": {
        "DeployBot": "false",
        "GoogleServiceAccountUniqueId": "112233445566778899001",
    },
}

LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
TOPIC_KEY = {"kms:GenerateDataKey", "kms:Decrypt"}
GUARDDUTY = {
    "guardduty:ListDetectors",
    "guardduty:ListFindings",
    "guardduty:GetFindings",
    "guardduty:ArchiveFindings",
    "guardduty:UnarchiveFindings",
    "guardduty:UpdateFindingsFeedback",
    "guardduty:GetFindingsStatistics",
    "guardduty:ListFilters",
    "guardduty:CreateFilter",
}
NOTIFIER_ALWAYS = {
    *LOGS,
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sns:Publish",
    *TOPIC_KEY,
}
NOTIFIER_OPTIONAL = {
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ses:SendEmail",
    "dynamodb:PutItem",
    "dynamodb:GetItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
}
BOT_ACCESS = {
    *GUARDDUTY,
    "sns:Publish",
    *TOPIC_KEY,
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
}

# Actions granted on Resource "*", each because IAM defines no resource type for it
# (checked against AWS's table below): ListDetectors has no detector yet to name;
# the findings and filter-listing actions are authorised on the account and Region
# only, which aws:RequestedRegion narrows.
STAR_ONLY = GUARDDUTY - {"guardduty:CreateFilter"}


@functools.cache
def _iam_table() -> dict[str, Any]:
    data = files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json")
    table: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))
    return table


def _resource_types(action: str) -> list[str]:
    service, name = action.split(":")
    entry = _iam_table()[service]["Actions"][name.lower()]
    return list(entry.get("Resources", []))


@pytest.fixture(params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack.of("template.yaml", **SCENARIOS[request.param])


def test_notifier_gets_exactly_the_calls_it_makes() -> None:
    plain = Stack.of("template.yaml")
    full = Stack.of("template.yaml", **EVERYTHING)

    assert actions(role_statements(plain, "NotifierRole")) == NOTIFIER_ALWAYS
    assert actions(role_statements(full, "NotifierRole")) == (
        NOTIFIER_ALWAYS | NOTIFIER_OPTIONAL
    )


def test_bot_gets_exactly_the_calls_it_makes() -> None:
    full = Stack.of("template.yaml", **EVERYTHING)

    assert actions(role_statements(full, "BotRole")) == LOGS | BOT_ACCESS
    assert actions(role_statements(full, "GoogleBotRole")) == BOT_ACCESS


def test_bot_assumes_the_admin_role_instead_of_calling_guardduty_itself() -> None:
    stack = Stack.of("template.yaml", GuardDutyRoleArn=ADMIN_ROLE)
    statements = role_statements(stack, "BotRole")

    assert not actions(statements) & GUARDDUTY
    assume = [s for s in statements if s["Action"] == "sts:AssumeRole"]
    assert [s["Resource"] for s in assume] == [ADMIN_ROLE]


def test_forwarder_may_only_put_events_on_the_home_bus() -> None:
    stack = Stack.of("forwarder.yaml", HomeRegion="eu-west-1")
    statements = role_statements(stack, "ForwardRole")

    assert actions(statements) == {"events:PutEvents"}
    assert [s["Resource"] for s in statements] == [
        "arn:aws:events:eu-west-1:123456789012:event-bus/default"
    ]


def test_no_action_anywhere_is_a_wildcard(stack: Stack) -> None:
    for policy in policies(stack):
        for statement in policy.statements():
            assert "NotAction" not in statement, policy.resource
            for action in as_list(statement["Action"]):
                assert "*" not in action, f"{policy.resource}: {action}"


def test_resource_star_only_for_actions_iam_cannot_scope(stack: Stack) -> None:
    for policy in policies(stack):
        if policy.kind != "identity":
            continue
        for statement in policy.statements():
            assert "NotResource" not in statement
            granted = set(as_list(statement["Action"]))
            if statement["Resource"] == "*":
                assert granted <= STAR_ONLY, f"{policy.resource}: {granted}"
                assert all(not _resource_types(action) for action in granted)
            else:
                unscopable = {a for a in granted if not _resource_types(a)}
                assert not unscopable, f"{policy.resource} scopes {unscopable}"


def test_star_findings_actions_are_held_to_the_bot_regions() -> None:
    one = Stack.of("template.yaml")
    several = Stack.of("template.yaml", GuardDutyRegions="us-east-1,eu-west-1")

    for stack, regions in ((one, ["us-east-1"]), (several, ["us-east-1", "eu-west-1"])):
        for statement in role_statements(stack, "BotRole"):
            if actions([statement]) & GUARDDUTY:
                condition = statement["Condition"]["StringEquals"]
                assert condition["aws:RequestedRegion"] == regions


def test_suppression_filters_are_scoped_to_this_accounts_detectors() -> None:
    stack = Stack.of("template.yaml")
    (statement,) = [
        s
        for s in role_statements(stack, "BotRole")
        if s["Action"] == "guardduty:CreateFilter"
    ]

    assert statement["Resource"] == (
        "arn:aws:guardduty:us-east-1:123456789012:detector/*/filter/*"
    )


def test_secrets_are_granted_by_their_arns_only() -> None:
    stack = Stack.of("template.yaml", **EVERYTHING)
    secrets = [
        s
        for s in role_statements(stack, "NotifierRole")
        if s["Action"] == "secretsmanager:GetSecretValue"
    ]

    assert [s["Resource"] for s in secrets] == [
        [SECRET.format(name) for name in ("chat-sa", "webhook", "smtp")]
    ]


def test_no_secret_is_read_when_none_is_named() -> None:
    stack = Stack.of("template.yaml")

    for role in ("NotifierRole", "BotRole"):
        granted = actions(role_statements(stack, role))
        assert "secretsmanager:GetSecretValue" not in granted
        assert "ssm:GetParameter" not in granted


def test_topic_key_use_goes_through_sns_only() -> None:
    stack = Stack.of("template.yaml")

    for role in ("NotifierRole", "BotRole"):
        (statement,) = [
            s
            for s in role_statements(stack, role)
            if set(as_list(s["Action"])) == TOPIC_KEY
        ]
        assert statement["Resource"] == {"Fn::GetAtt": ["TopicKey", "Arn"]}
        assert statement["Condition"] == {
            "StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}
        }


def test_services_trusted_by_resource_policies_are_pinned_to_their_source() -> None:
    stack = Stack.of("template.yaml")
    by_resource = {p.resource: p for p in policies(stack)}

    (queue,) = by_resource["FindingsQueuePolicy"].statements()
    assert queue["Principal"] == {"Service": "events.amazonaws.com"}
    assert queue["Action"] == "sqs:SendMessage"
    assert queue["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["FindingsRule", "Arn"]}}
    }

    (topic,) = by_resource["AlertsTopicPolicy"].statements()
    assert topic["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert topic["Condition"] == {
        "ArnLike": {
            "aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"
        },
        "StringEquals": {"aws:SourceAccount": "123456789012"},
    }


def test_key_policy_lets_the_account_and_alarms_only() -> None:
    stack = Stack.of("template.yaml")
    (key,) = [p for p in policies(stack) if p.kind == "key"]

    principals = [s["Principal"] for s in key.statements()]
    assert principals == [
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"Service": "cloudwatch.amazonaws.com"},
    ]
    assert set(as_list(key.statements()[1]["Action"])) == TOPIC_KEY


def test_no_principal_is_everyone_except_the_function_url(stack: Stack) -> None:
    for policy in policies(stack):
        for statement in policy.statements():
            assert statement.get("Principal") != "*", policy.resource
    public = {
        name
        for name, resource in stack.resources().items()
        if resource.get("Properties", {}).get("Principal") == "*"
    }
    deployed = stack.conditions["DeployBot"]
    expected = {"BotUrlPermission", "BotUrlInvokePermission"} if deployed else set()
    assert public == expected


@pytest.mark.parametrize("name", ["template.yaml", "forwarder.yaml"])
def test_arns_are_built_for_any_partition(name: str) -> None:
    resources = json.dumps(load(name)["Resources"])

    assert "arn:aws:" not in resources
    assert "${AWS::Partition}" in resources
