"""The bot behind an AWS Lambda function URL (payload format 2.0).

``lambda_handler`` turns the function URL's event into the core's request and its
reply back; the configuration is the file ``CHATOPS_CONFIG`` names, read once per
execution environment.
"""

import base64
import binascii
import functools
from collections.abc import Mapping
from typing import Any

from bot import logs
from bot.interactions import BAD_REQUEST, Bot, Interaction, Reply, build_bot
from notifier import config


def lambda_handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Answers one function URL request."""
    return answer(_bot(), event)


def answer(bot: Bot, event: Mapping[str, Any]) -> dict[str, Any]:
    """The function URL response for ``event``, answered by ``bot``."""
    try:
        interaction = _interaction(event)
    except (ValueError, TypeError, AttributeError, binascii.Error):
        return _response(BAD_REQUEST)
    return _response(bot.handle(interaction))


def _interaction(event: Mapping[str, Any]) -> Interaction:
    http = event.get("requestContext", {}).get("http", {})
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise TypeError("the body is not a string")
    raw = (
        base64.b64decode(body, validate=True)
        if event.get("isBase64Encoded")
        else body.encode("utf-8")
    )
    headers = event.get("headers") or {}
    return Interaction.of(
        str(http.get("method", "")),
        str(event.get("rawPath") or http.get("path") or "/"),
        {str(name): str(value) for name, value in headers.items()},
        raw,
    )


def _response(reply: Reply) -> dict[str, Any]:
    return {
        "statusCode": reply.status,
        "headers": {"content-type": reply.content_type},
        "body": reply.body.decode("utf-8"),
        "isBase64Encoded": False,
    }


@functools.cache
def _bot() -> Bot:
    logs.configure()
    return build_bot(config.load())
