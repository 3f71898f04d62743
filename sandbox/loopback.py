"""A threaded HTTP server on 127.0.0.1, on a port the OS picks (or a given one), in
the background."""

from __future__ import annotations

import http.server
import logging
import threading
from types import TracebackType
from typing import Protocol, Self

logger = logging.getLogger(__name__)


class Serving(Protocol):
    """What a socketserver-style server offers (http.server, werkzeug)."""

    def serve_forever(self, poll_interval: float = 0.5) -> None: ...

    def shutdown(self) -> None: ...

    def server_close(self) -> None: ...


class ServerThread:
    """Runs a server's loop in a daemon thread, and ends it cleanly.

    Args:
        server: the bound server.
        name: the thread's name, for logs and debuggers.
    """

    def __init__(self, server: Serving, name: str) -> None:
        self._server = server
        self._name = name
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=self._name,
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Stops the loop (when it ran) and closes the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


class LoopbackServer:
    """Serves a request handler class on 127.0.0.1 from a daemon thread.

    Usable as a context manager; `url` is known once it has started.

    Args:
        handler: the request handler class.
        port: the port to listen on; 0 (the default) lets the OS choose.

    Raises:
        OSError: `port` is taken.
    """

    def __init__(
        self, handler: type[http.server.BaseHTTPRequestHandler], port: int = 0
    ) -> None:
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._loop = ServerThread(self._server, f"loopback-{self.url}")

    @property
    def url(self) -> str:
        """The base URL, `http://127.0.0.1:PORT`, without a trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def http_server(self) -> http.server.ThreadingHTTPServer:
        """The underlying server; handlers reach shared state through it."""
        return self._server

    def start(self) -> Self:
        """Starts serving in a daemon thread."""
        self._loop.start()
        logger.debug("serving on %s", self.url)
        return self

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        self._loop.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
