"""The product's way into the local Chat: a key file's info, google-auth, a session."""

from __future__ import annotations

import google.auth.transport.requests
from google.oauth2 import service_account

from sandbox.chat_server import ChatServer
from sandbox.google_oauth import CHAT_BOT_SCOPE, ServiceAccount


def app_session(
    chat: ChatServer,
    account: ServiceAccount,
    scopes: tuple[str, ...] = (CHAT_BOT_SCOPE,),
) -> google.auth.transport.requests.AuthorizedSession:
    """An authorized session as the Chat app whose service account is `account`."""
    credentials = service_account.Credentials.from_service_account_info(
        chat.service_account_info(account), scopes=list(scopes)
    )
    return google.auth.transport.requests.AuthorizedSession(credentials)
