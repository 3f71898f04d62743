"""A running local Chat, and a google-auth session into it as the Chat app."""

from __future__ import annotations

from collections.abc import Iterator

import google.auth.transport.requests
import pytest

from sandbox.chat_server import ChatServer
from sandbox.google_oauth import ServiceAccount
from tests.sandbox.chat_sessions import app_session


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


@pytest.fixture(scope="module")
def account(chat: ChatServer) -> ServiceAccount:
    return chat.create_service_account("guardduty-chatops", app_name="GuardDuty")


@pytest.fixture(scope="module")
def session(
    chat: ChatServer, account: ServiceAccount
) -> Iterator[google.auth.transport.requests.AuthorizedSession]:
    with app_session(chat, account) as authorized:
        yield authorized


@pytest.fixture
def space(chat: ChatServer) -> str:
    """A fresh space per test, so messages and the write quota start empty."""
    return chat.create_space("GuardDuty alerts")
