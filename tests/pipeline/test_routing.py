"""Routing: the first route whose conditions all hold decides."""

from typing import Any

import pytest

from notifier import config, routing
from notifier.settings import Channel, Route
from tests.pipeline.conftest import finding

CHAT = (Channel("chat", "spaces/AAAA"),)
SAMPLE_INFO = {"value": '{"sample":true}', "type": "default"}


def with_sample(**overrides: Any) -> dict[str, Any]:
    service = {
        "count": 1,
        "archived": False,
        "additionalInfo": SAMPLE_INFO,
        "resourceRole": "TARGET",
    }
    return {"service": service, **overrides}


@pytest.mark.parametrize(
    ("conditions", "finding_fields", "expected"),
    [
        ({}, {}, True),
        ({"min_severity": 7.0}, {"severity": 7.0}, True),
        ({"min_severity": 7.0}, {"severity": 6.9}, False),
        ({"max_severity": 6.9}, {"severity": 6.9}, True),
        ({"max_severity": 6.9}, {"severity": 7.0}, False),
        ({"min_severity": 9.0}, {"severity": None}, True),
        ({"min_severity": 9.0}, {"severity": "high"}, True),
        ({"types": ("UnauthorizedAccess:*",)}, {}, True),
        ({"types": ("unauthorizedaccess:*",)}, {}, False),
        ({"types": ("Recon:*", "*TorClient")}, {}, True),
        ({"types": ("Recon:*",)}, {}, False),
        (
            {"types": ("Backdoor:EC2/C&CActivity.B?DNS",)},
            {"type": "Backdoor:EC2/C&CActivity.B!DNS"},
            True,
        ),
        ({"accounts": ("111122223333",)}, {}, True),
        ({"accounts": ("444455556666",)}, {}, False),
        ({"regions": ("eu-west-1", "us-east-1")}, {}, True),
        ({"regions": ("us-east-1",)}, {}, False),
        ({"resource_types": ("instance",)}, {}, True),
        ({"resource_types": ("S3Bucket",)}, {}, False),
        ({"sample": True}, with_sample(), True),
        ({"sample": True}, {}, False),
        ({"sample": False}, with_sample(), False),
        ({"sample": False}, {}, True),
        ({"min_severity": 7.0, "accounts": ("111122223333",)}, {"severity": 5}, False),
    ],
)
def test_a_route_matches_only_when_every_condition_holds(
    conditions: dict[str, Any], finding_fields: dict[str, Any], expected: bool
) -> None:
    route = Route("r", CHAT, **conditions)

    assert routing.matches(route, finding(**finding_fields)) is expected


def test_the_first_matching_route_decides() -> None:
    routes = (
        Route("critical", CHAT, min_severity=9.0),
        Route("tor", CHAT, types=("*TorClient",)),
        Route("rest", CHAT),
    )

    assert routing.choose(finding(severity=9.5), routes) is routes[0]
    assert routing.choose(finding(severity=8), routes) is routes[1]
    assert routing.choose(finding(type="Recon:EC2/PortProbe"), routes) is routes[2]


def test_a_finding_no_route_matches_gets_none() -> None:
    routes = (Route("samples", CHAT, sample=True),)

    assert routing.choose(finding(), routes) is None


def test_the_configured_routes_route_as_the_example_says() -> None:
    settings = config.parse(
        {
            "chat": {"credentials": "env:X", "space": "spaces/AAAA"},
            "routes": [
                {"name": "high", "min_severity": 7.0, "channels": ["chat"]},
                {"name": "test", "sample": True, "channels": ["chat:spaces/BBBB"]},
            ],
        }
    )

    high = routing.choose(finding(severity=8), settings.routes)
    sample = routing.choose(finding(severity=2, **with_sample()), settings.routes)
    low = routing.choose(finding(severity=2), settings.routes)

    assert high is not None
    assert high.channels == (Channel("chat", "spaces/AAAA"),)
    assert sample is not None
    assert sample.channels == (Channel("chat", "spaces/BBBB"),)
    assert low is None
