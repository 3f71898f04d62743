"""The functions-framework target for Cloud Run and Cloud Functions: ``chat_event``.

Deploy with ``--entry-point chat_event``; the configuration is the file
``CHATOPS_CONFIG`` names, read once per instance.
"""

import functools

import flask
import functions_framework

from bot import logs
from bot.app import answer
from bot.interactions import Bot, build_bot
from notifier import config


@functions_framework.http
def chat_event(request: flask.Request) -> flask.Response:
    """Answers a Google Chat request (any path; ``GET /healthz`` for probes).

    A body over ``MAX_BODY_BYTES`` is answered 413 before it is read: this app
    is functions-framework's, which sets no limit of its own.
    """
    return answer(_bot(), request)


@functools.cache
def _bot() -> Bot:
    logs.configure()
    return build_bot(config.load())
