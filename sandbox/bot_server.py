"""The bot's Flask app on a real WSGI server (werkzeug's) on 127.0.0.1.

The server is bound before the app exists, because the bot's configuration needs
its URL (the token audience, and the action function of an add-on); `serve`
hands it the app once the configuration is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from werkzeug.serving import make_server

from sandbox.loopback import ServerThread

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)


class BotServer:
    """Serves one WSGI app on 127.0.0.1 from a background thread.

    Args:
        port: the port; 0 lets the OS choose.
    """

    def __init__(self, port: int = 0) -> None:
        self._app: WSGIApplication | None = None
        self._server = make_server("127.0.0.1", port, self._dispatch, threaded=True)
        self._loop = ServerThread(self._server, "sandbox-bot")

    @property
    def url(self) -> str:
        """The app's endpoint, `http://127.0.0.1:PORT/` (Chat posts events here)."""
        return f"http://127.0.0.1:{self._server.port}/"

    def serve(self, app: WSGIApplication) -> Self:
        """Starts answering requests with `app`."""
        self._app = app
        self._loop.start()
        logger.info("the bot is listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        self._loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _dispatch(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        app: Any = self._app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"The bot is starting\n"]
        answer: Iterable[bytes] = app(environ, start_response)
        return answer
