"""infra/preflight.py: the configuration names what the stack creates."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.infra.stacks import INFRA, Stack


def _preflight() -> ModuleType:
    spec = importlib.util.spec_from_file_location("preflight", INFRA / "preflight.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


preflight = _preflight()
NAMES = preflight.StackNames.of("gd", "aws", "eu-west-1", "123456789012")


def test_names_follow_the_template() -> None:
    stack = Stack.of("template.yaml", "eu-west-1", "gd", DeliveryRecords="true")
    topic = "arn:aws:sns:eu-west-1:123456789012:gd"

    expected = preflight.StackNames(
        alerts_topic_arn=f"{topic}-alerts",
        escalation_topic_arn=f"{topic}-escalations",
        records_table="gd-deliveries",
    )
    assert expected == NAMES
    assert stack.properties("AlertsTopic")["TopicName"] == "gd-alerts"
    assert stack.properties("EscalationTopic")["TopicName"] == "gd-escalations"
    assert stack.properties("DeliveryRecordsTable")["TableName"] == "gd-deliveries"


def test_matching_names_pass() -> None:
    document = {
        "sns": {"topic_arn": NAMES.alerts_topic_arn},
        "bot": {"escalation": {"topic_arn": NAMES.escalation_topic_arn}},
        "delivery": {"records_table": NAMES.records_table},
    }

    assert preflight.mismatches(document, NAMES) == []
    assert preflight.mismatches({}, NAMES) == []


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"sns": {"topic_arn": "arn:aws:sns:eu-west-1:1:other"}}, "sns.topic_arn"),
        (
            {"bot": {"escalation": {"topic_arn": "arn:aws:sns:us-east-1:1:gd-x"}}},
            "bot.escalation.topic_arn",
        ),
        ({"delivery": {"records_table": "deliveries"}}, "delivery.records_table"),
    ],
)
def test_other_names_are_reported(document: dict[str, Any], key: str) -> None:
    (problem,) = preflight.mismatches(document, NAMES)

    assert problem.startswith(f"{key} is ")


def test_china_partition_names() -> None:
    names = preflight.StackNames.of("gd", "aws-cn", "cn-north-1", "123456789012")

    assert names.alerts_topic_arn == "arn:aws-cn:sns:cn-north-1:123456789012:gd-alerts"


def test_example_configuration_loads(capsys: pytest.CaptureFixture[str]) -> None:
    assert preflight.main([str(INFRA / "chatops.example.toml")]) == 0
    assert "is ready" in capsys.readouterr().out


def test_example_configuration_matches_the_default_stack() -> None:
    example = INFRA / "chatops.example.toml"
    arguments = ["--stack", "guardduty-chatops", "--account", "111122223333"]

    assert preflight.main([str(example), *arguments, "--region", "us-east-1"]) == 0


def test_broken_configuration_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "chatops.toml"
    path.write_text('[chat]\ncredentials = "-----BEGIN PRIVATE KEY-----"\n')

    assert preflight.main([str(path)]) == 1
    assert "chat.credentials" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "no channel to deliver to"),
        ('[chat]\ncredentials = "env:KEY"\n', "chat.space is not: name the space"),
        ('[chat]\nspace = "spaces/AAAA"\n', "chat.credentials is not"),
        (
            '[chat]\ncredentials = "env:KEY"\nspace = "spaces/AAAA"\n'
            '[bot.verify]\naudience = "123456789012"\n'
            '[bot.permissions]\narchve = ["*"]\n',
            "bot.permissions.archve",
        ),
    ],
)
def test_configurations_that_would_fail_after_deploying_stop_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, problem: str
) -> None:
    path = tmp_path / "chatops.toml"
    path.write_text(body, encoding="utf-8")

    assert preflight.main([str(path)]) == 1
    assert problem in capsys.readouterr().err
