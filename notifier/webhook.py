"""Posting through a Chat incoming webhook (``chat.webhook_url``).

The webhook variant of a card has link buttons only: a webhook message cannot call
an app back. The URL is a secret reference because its query string (``key`` and
``token``) is the credential: anyone holding it can post to the space. Only the
space part of it is ever logged.
"""

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from notifier import chat_keys
from notifier.budget import Budget
from notifier.cards import finding_message
from notifier.chat import REPLY_OPTION, ChatResult, Outcome
from notifier.digest import digest_message
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.secrets import SecretStore
from notifier.settings import Settings
from notifier.transport import Answer, Call, RequestFailed, Transport

log = logging.getLogger(__name__)

_PATH = re.compile(r"/v1/(?P<space>spaces/[A-Za-z0-9_-]+)/messages")

# Limitation: a webhook cannot edit a message, so each delivery of a finding (a
# GuardDuty update included) is a new message, in the finding's thread; there is
# no single live card and no separate "severity rose" reply. Live cards need the
# Chat app (chat.credentials).
#
# Limitation: Google documents requestId for spaces.messages.create, which a
# webhook POST is, but the stored documentation does not say whether webhooks
# honour it. Each post carries a requestId derived from the finding's version, so
# where it is honoured (the sandbox honours it) a retry returns the first message;
# nothing here relies on it, and delivery by webhook is at least once.


class ChatWebhook:
    """Posts to the space of the incoming webhook at ``chat.webhook_url``.

    Args:
        settings: the configuration (``chat``, ``cards`` and ``digest`` are used).
        secrets: resolves ``chat.webhook_url``.
        transport: as for :class:`notifier.chat.ChatApp`.

    Every method raises :class:`DeliveryError` when Chat did not take the message.
    """

    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        *,
        transport: Transport | None = None,
    ) -> None:
        self._settings = settings
        self._secrets = secrets
        self._transport = transport or Transport.for_chat(settings.chat)

    def post_finding(self, finding: Finding, budget: Budget) -> ChatResult:
        """Posts the webhook variant of the finding's card in its thread."""
        message = finding_message(finding, self._settings.cards, webhook=True)
        return self.post_message(
            message,
            thread_key=chat_keys.thread_key(finding),
            request_id=chat_keys.request_id(finding),
            budget=budget,
            finding=finding.id,
        )

    def post_digest(self, findings: Sequence[Finding], budget: Budget) -> ChatResult:
        """Posts the webhook variant of the digest of ``findings``."""
        message = digest_message(
            findings, self._settings.cards, top=self._settings.digest.top, webhook=True
        )
        return self.post_message(
            message, request_id=chat_keys.digest_id(findings), budget=budget
        )

    def post_message(
        self,
        message: Mapping[str, Any],
        *,
        thread_key: str | None = None,
        request_id: str | None = None,
        budget: Budget,
        finding: str | None = None,
    ) -> ChatResult:
        """Posts ``message`` (a Chat Message body) through the webhook.

        Args:
            thread_key: reply in this thread (the webhook's own key), or start it.
            request_id: an idempotency key for the post (see the module's notes).
            finding: the finding's id, for the log line.
        """
        url, space = self._url()
        body = dict(message)
        params: dict[str, str] = {}
        if thread_key is not None:
            body["thread"] = {"threadKey": thread_key}
            params["messageReplyOption"] = REPLY_OPTION
        if request_id is not None:
            params["requestId"] = request_id
        call = Call(
            "POST", url, "webhook", space, params=params, body=body, finding=finding
        )
        answer = self._transport.send(call, budget)
        if answer.ok:
            name = answer.body.at("name").text()
            return ChatResult(Outcome.CREATED, name, answer.attempts, answer.status)
        raise self._refused(space, answer)

    def _url(self) -> tuple[str, str]:
        """The webhook's URL and the space it posts to."""
        ref = self._settings.chat.webhook_url
        if ref is None:
            raise DeliveryError("chat.webhook_url is not set")
        url = self._secrets.get(ref)
        parts = urlsplit(url)
        path = _PATH.fullmatch(parts.path)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
        )
        if not path or not secure or not parts.query:
            # The message names the reference only: the value is the credential.
            raise DeliveryError(
                f"chat.webhook_url ({ref}) is not a Chat incoming webhook URL"
            )
        return url, path["space"]

    def _refused(self, space: str, answer: Answer) -> RequestFailed:
        if answer.status in (401, 403) and self._settings.chat.webhook_url:
            # A rotated webhook shows as a refusal: read the URL afresh next time.
            self._secrets.forget(self._settings.chat.webhook_url)
        return RequestFailed(
            f"Chat webhook in {space} refused: {answer.problem()}",
            retryable=False,
            status=answer.status,
            attempts=answer.attempts,
        )
