"""AWS credentials: an assumed role, or a Google identity exchanged with STS.

STS is moto; the Google metadata server is a loopback stand-in, so nothing here
reaches Google or AWS.
"""

from __future__ import annotations

import http.server
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from moto import mock_aws

from bot.credentials import RoleProvider, aws_session
from bot.errors import GuardDutyFailure
from bot.guardduty import FindingRef, GuardDuty
from notifier.aws import AwsClients
from notifier.config import parse
from sandbox.google_identity import ChatApp, GoogleIdentity, TokenKind
from sandbox.loopback import LoopbackServer
from tests.bot.conftest import sample

ROLE = "arn:aws:iam::111122223333:role/guardduty-chatops-bot"
IDENTITY_PATH = "/computeMetadata/v1/instance/service-accounts/default/identity"


class MetadataServer(http.server.BaseHTTPRequestHandler):
    """Google's metadata server, for the one URL the bot asks: an ID token."""

    def do_GET(self) -> None:
        server: Any = self.server
        url = urlsplit(self.path)
        server.asked.append(
            (url.path, parse_qs(url.query), self.headers.get("Metadata-Flavor"))
        )
        token = server.identity.token(TokenKind.ENDPOINT_URL, server.app).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(token)))
        self.end_headers()
        self.wfile.write(token)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def metadata() -> Iterator[LoopbackServer]:
    with LoopbackServer(MetadataServer) as server:
        state: Any = server.http_server
        state.asked = []
        state.identity = GoogleIdentity()
        state.app = ChatApp("123456789012", "guardduty-chatops")
        yield server


def aws_settings(**aws: Any):
    return parse(
        {"aws": {"region": "us-east-1", "role_arn": ROLE, **aws}}, "t.toml"
    ).aws


def test_without_a_role_boto3_chooses_the_credentials():
    assert aws_session(parse({}, "t.toml").aws) is None


def test_a_role_is_assumed_for_every_call():
    with mock_aws():
        session = aws_session(aws_settings())
        assert session is not None

        identity = session.client("sts", region_name="us-east-1").get_caller_identity()

    assert identity["Arn"].startswith(
        "arn:aws:sts::111122223333:assumed-role/guardduty-chatops-bot/"
    )


def test_on_google_cloud_a_google_id_token_becomes_the_aws_role(metadata, monkeypatch):
    url = metadata.url + IDENTITY_PATH
    settings = aws_settings(
        web_identity_audience="guardduty-chatops", web_identity_token_url=url
    )
    with mock_aws():
        # No AWS keys at all: only the Google identity can get credentials.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        session = aws_session(settings, http=requests.Session())
        assert session is not None
        sts = session.client("sts", region_name="us-east-1")

        first = sts.get_caller_identity()["Arn"]
        second = sts.get_caller_identity()["Arn"]

    assert first == second
    assert ":assumed-role/guardduty-chatops-bot/guardduty-chatops-bot" in first
    asked: list[Any] = metadata.http_server.asked
    assert asked == [
        (
            IDENTITY_PATH,
            {"audience": ["guardduty-chatops"], "format": ["full"]},
            "Google",
        )
    ]


def test_no_google_identity_is_told_as_missing_credentials(monkeypatch):
    settings = aws_settings(
        web_identity_audience="guardduty-chatops",
        web_identity_token_url="http://127.0.0.1:9/identity",
        max_attempts=1,
    )
    with mock_aws():
        monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
        clients = AwsClients(settings, session=aws_session(settings))
        ref = FindingRef.parse(sample("instance-network-connection")["arn"])

        with pytest.raises(GuardDutyFailure) as failure:
            GuardDuty(clients).finding(ref)

    assert failure.value.outcome == "no-credentials"
    assert (
        failure.value.user_message
        == "The bot has no AWS credentials to call GuardDuty with."
    )


@pytest.mark.parametrize(
    ("lifetime", "fetches"), [(timedelta(hours=1), 1), (timedelta(minutes=5), 3)]
)
def test_assumed_credentials_are_kept_until_shortly_before_they_expire(
    lifetime, fetches
):
    fetched = []

    def fetch() -> dict[str, str]:
        fetched.append(1)
        return {
            "access_key": f"ASIA{len(fetched):016d}",
            "secret_key": "secret",
            "token": "token",
            "expiry_time": (datetime.now(UTC) + lifetime).isoformat(),
        }

    credentials = RoleProvider(fetch, "test").load()
    keys = [credentials.get_frozen_credentials().access_key for _ in range(3)]

    assert len(fetched) == fetches
    assert keys[-1] == f"ASIA{fetches:016d}"
