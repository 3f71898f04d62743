"""``python -m bot serve --host H --port P``: the bot on a local HTTP server.

The configuration is the file ``CHATOPS_CONFIG`` names. Exit code 2 and one line on
standard error when it is invalid.
"""

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence

from werkzeug.serving import make_server

from bot.app import create_app
from notifier.errors import ChatOpsError

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="answer Google Chat over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    try:
        app = create_app()
    except ChatOpsError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    server = make_server(arguments.host, arguments.port, app, threaded=True)
    print(f"serving Google Chat events on http://{arguments.host}:{server.port}/")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
