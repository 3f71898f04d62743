"""The bot as a Flask app: Chat events at ``POST /``, ``GET /healthz`` for probes."""

import logging

import flask
from werkzeug.exceptions import HTTPException, InternalServerError

from bot.escalation import ChatPoster
from bot.interactions import (
    MAX_BODY_BYTES,
    NOT_ALLOWED,
    NOT_FOUND,
    TOO_LARGE,
    UNAVAILABLE,
    Bot,
    Interaction,
    Reply,
    build_bot,
)
from notifier import config
from notifier.aws import ClientSource
from notifier.settings import Settings

logger = logging.getLogger(__name__)

EXTENSION = "guardduty_chatops_bot"
# Flask's own answers, with the bot's fixed bodies instead of HTML pages.
_FIXED = {404: NOT_FOUND, 405: NOT_ALLOWED, 413: TOO_LARGE}
_CHUNK_BYTES = 64 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    poster: ChatPoster | None = None,
    clients: ClientSource | None = None,
) -> flask.Flask:
    """A Flask app answering Google Chat.

    Args:
        settings: the configuration; by default the file ``CHATOPS_CONFIG`` names.
        poster: posts escalations to the escalation space (see ``build_bot``).
        clients: boto3 clients to use instead of those ``[aws]`` describes.

    Raises:
        ConfigError: the configuration is invalid.
    """
    bot = build_bot(settings or config.load(), poster=poster, clients=clients)
    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[EXTENSION] = bot

    @app.post("/")
    def chat_event() -> flask.Response:
        return answer(bot, flask.request)

    @app.get("/healthz")
    def health() -> flask.Response:
        return answer(bot, flask.request)

    @app.errorhandler(HTTPException)
    def refused(error: HTTPException) -> flask.Response:
        if isinstance(error, InternalServerError):
            logger.error("the request failed", exc_info=error.original_exception)
            return response(UNAVAILABLE)
        code = error.code or 400
        return response(_FIXED.get(code) or Reply.text(code, error.name))

    return app


def answer(bot: Bot, request: flask.Request) -> flask.Response:
    """Answers one Flask request through the bot's core.

    The body is not read past ``MAX_BODY_BYTES``: a larger declared length is
    refused unread, and a body without one (chunked) is read until it proves
    too large. functions-framework's app, unlike ours, sets no limit of its own.
    """
    body = _body(request)
    if body is None:
        return _too_large()
    interaction = Interaction.of(
        request.method, request.path, request.headers.items(), body
    )
    return response(bot.handle(interaction))


def _body(request: flask.Request) -> bytes | None:
    """The request's body, or None when it is larger than ``MAX_BODY_BYTES``."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return None
    chunks, size = [], 0
    while chunk := request.stream.read(_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> flask.Response:
    """The 413, as a stream: functions-framework reads the rest of the request
    after any answer that is not one (its ``read_request`` hook), which would
    read the whole oversized body after all."""
    answer = flask.Response(
        iter([TOO_LARGE.body]),
        status=TOO_LARGE.status,
        content_type=TOO_LARGE.content_type,
    )
    answer.headers["Content-Length"] = str(len(TOO_LARGE.body))
    return answer


def response(reply: Reply) -> flask.Response:
    return flask.Response(
        reply.body, status=reply.status, content_type=reply.content_type
    )
