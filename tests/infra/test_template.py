"""The main template's wiring: rule, queues, functions, topics, table, parameters."""

import json
import re
from typing import Any

import pytest

from tests.infra.stacks import Stack, load

FUNCTION_RUNTIMES = {"python3.11", "python3.12"}


def pattern(stack: Stack, rule: str) -> Any:
    return json.loads(stack.properties(rule)["EventPattern"])


@pytest.mark.parametrize(
    ("name", "rule", "extra"),
    [
        ("template.yaml", "FindingsRule", {}),
        ("forwarder.yaml", "ForwardRule", {"HomeRegion": "eu-west-1"}),
    ],
)
def test_rule_matches_guardduty_findings_by_numeric_severity(
    name: str, rule: str, extra: dict[str, str]
) -> None:
    default = Stack.of(name, **extra)
    stricter = Stack.of(name, MinimumSeverity="7", **extra)

    assert pattern(default, rule) == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", 4]}]},
    }
    # A number, never the string "4": EventBridge compares numbers only with numbers.
    (bound,) = [pattern(default, rule)["detail"]["severity"][0]["numeric"][1]]
    assert isinstance(bound, int | float)
    assert pattern(stricter, rule)["detail"]["severity"] == [{"numeric": [">=", 7]}]


def test_minimum_severity_defaults_to_medium_as_a_number() -> None:
    parameter = load("template.yaml")["Parameters"]["MinimumSeverity"]

    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 4
    assert (parameter["MinValue"], parameter["MaxValue"]) == (0, 10)


def test_rule_sends_to_the_queue_with_the_dead_letter_queue_as_fallback() -> None:
    (target,) = Stack.of("template.yaml").properties("FindingsRule")["Targets"]

    assert target["Arn"] == {"Fn::GetAtt": ["FindingsQueue", "Arn"]}
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    }


def test_queue_redrives_to_the_dead_letter_queue() -> None:
    stack = Stack.of("template.yaml", MaxReceiveCount="3")
    queue = stack.properties("FindingsQueue")

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "maxReceiveCount": "3",
    }
    assert (
        Stack.of("template.yaml").properties("FindingsQueue")["RedrivePolicy"][
            "maxReceiveCount"
        ]
        == "5"
    )


def test_both_queues_are_encrypted_and_the_dead_letters_kept_two_weeks() -> None:
    stack = Stack.of("template.yaml")

    for queue in ("FindingsQueue", "DeadLetterQueue"):
        assert stack.properties(queue)["SqsManagedSseEnabled"] is True
    assert stack.properties("DeadLetterQueue")["MessageRetentionPeriod"] == 1209600


def test_visibility_timeout_can_never_be_shorter_than_the_notifier_timeout() -> None:
    parameters = load("template.yaml")["Parameters"]

    longest_run = parameters["NotifierTimeoutSeconds"]["MaxValue"]
    assert parameters["QueueVisibilityTimeoutSeconds"]["MinValue"] >= longest_run


def test_batches_above_ten_always_have_a_batching_window() -> None:
    # SQS refuses a batch size above 10 without a batching window.
    parameters = load("template.yaml")["Parameters"]

    assert parameters["BatchSize"]["MaxValue"] > 10
    assert parameters["BatchingWindowSeconds"]["MinValue"] >= 1


def test_notifier_reads_the_queue_reporting_partial_batch_failures() -> None:
    stack = Stack.of("template.yaml", BatchSize="50", BatchingWindowSeconds="20")
    notifier = stack.properties("NotifierFunction")
    (source,) = notifier["Events"].values()

    assert notifier["Handler"] == "notifier.handler.lambda_handler"
    assert notifier["Runtime"] in FUNCTION_RUNTIMES
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["FindingsQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Properties"]["BatchSize"] == "50"
    assert source["Properties"]["MaximumBatchingWindowInSeconds"] == "20"


def test_notifier_timeout_memory_and_concurrency_come_from_parameters() -> None:
    default = Stack.of("template.yaml").properties("NotifierFunction")
    tuned = Stack.of(
        "template.yaml",
        NotifierTimeoutSeconds="120",
        NotifierMemoryMB="512",
        NotifierReservedConcurrency="4",
    ).properties("NotifierFunction")

    assert (default["Timeout"], default["MemorySize"]) == ("60", "256")
    assert "ReservedConcurrentExecutions" not in default
    assert (tuned["Timeout"], tuned["MemorySize"]) == ("120", "512")
    assert tuned["ReservedConcurrentExecutions"] == "4"


@pytest.mark.parametrize(
    ("function", "log_group"),
    [("NotifierFunction", "NotifierLogGroup"), ("BotFunction", "BotLogGroup")],
)
def test_functions_log_to_a_group_with_retention(function: str, log_group: str) -> None:
    stack = Stack.of("template.yaml", LogRetentionDays="90")

    assert stack.properties(function)["LoggingConfig"] == {
        "LogGroup": {"Ref": log_group}
    }
    assert stack.properties(log_group)["RetentionInDays"] == "90"


@pytest.mark.parametrize("function", ["NotifierFunction", "BotFunction"])
def test_functions_read_the_bundled_configuration(function: str) -> None:
    stack = Stack.of("template.yaml")

    environment = stack.properties(function)["Environment"]["Variables"]
    assert environment == {"CHATOPS_CONFIG": "/var/task/chatops.toml"}


def test_bot_is_a_public_function_url_that_verifies_tokens_itself() -> None:
    stack = Stack.of("template.yaml")
    bot = stack.properties("BotFunction")

    assert bot["Handler"] == "bot.lambda_url.lambda_handler"
    assert bot["Runtime"] in FUNCTION_RUNTIMES
    assert stack.properties("BotFunctionUrl")["AuthType"] == "NONE"
    assert stack.properties("BotUrlPermission")["FunctionUrlAuthType"] == "NONE"
    assert stack.properties("BotUrlInvokePermission")["InvokedViaFunctionUrl"] is True


def test_bot_is_left_out_when_not_deployed_here() -> None:
    created = Stack.of("template.yaml", DeployBot="false").resources()

    assert not {name for name in created if name.startswith("Bot")}
    assert "NotifierFunction" in created


def test_topics_are_encrypted_with_the_stacks_key_and_named_after_it() -> None:
    stack = Stack.of("template.yaml")

    for topic, suffix in (
        ("AlertsTopic", "alerts"),
        ("EscalationTopic", "escalations"),
    ):
        properties = stack.properties(topic)
        assert properties["KmsMasterKeyId"] == {"Ref": "TopicKey"}
        assert properties["TopicName"] == f"guardduty-chatops-{suffix}"
    assert stack.properties("TopicKey")["EnableKeyRotation"] is True


@pytest.mark.parametrize(
    ("alarm", "queue"),
    [("DeadLetterAlarm", "DeadLetterQueue"), ("StuckQueueAlarm", "FindingsQueue")],
)
def test_queue_alarms_notify_the_alerts_topic(alarm: str, queue: str) -> None:
    properties = Stack.of("template.yaml").properties(alarm)

    assert properties["Namespace"] == "AWS/SQS"
    assert properties["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
    ]
    assert properties["AlarmActions"] == [{"Ref": "AlertsTopic"}]


def test_dead_letter_alarm_fires_on_the_first_message() -> None:
    properties = Stack.of("template.yaml").properties("DeadLetterAlarm")

    assert properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (properties["ComparisonOperator"], properties["Threshold"]) == (
        "GreaterThanThreshold",
        0,
    )


def test_delivery_records_table_is_optional_on_demand_and_expires_items() -> None:
    assert "DeliveryRecordsTable" not in Stack.of("template.yaml").resources()

    table = Stack.of("template.yaml", DeliveryRecords="true").properties(
        "DeliveryRecordsTable"
    )
    assert table["TableName"] == "guardduty-chatops-deliveries"
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    assert [key["AttributeName"] for key in table["KeySchema"]] == [
        "finding",
        "delivery",
    ]


SECRET_PARAMETERS = [
    "ChatCredentialsSecretArn",
    "WebhookUrlSecretArn",
    "SmtpPasswordSecretArn",
]


@pytest.mark.parametrize("name", SECRET_PARAMETERS)
@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatops/x-AbCdEf", True),
        ("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-AbCdEf", True),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatops/x", False),
        ("chatops/chat-sa", False),
        ("-----BEGIN PRIVATE KEY-----", False),
        ("https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t", False),
    ],
)
def test_secret_parameters_take_full_arns_never_values(
    name: str, value: str, accepted: bool
) -> None:
    pattern = load("template.yaml")["Parameters"][name]["AllowedPattern"]

    assert bool(re.fullmatch(pattern, value)) is accepted
