"""GuardDuty's REST-JSON wire protocol over a loopback HTTP server.

Requests are routed by each operation's `http.method` and `requestUri` in the
botocore model, so boto3 pointed here with `endpoint_url` works unchanged. The
caller's Region and access key come from the SigV4 credential scope in the
`Authorization` header.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox import wire
from sandbox.guardduty.errors import GuardDutyError
from sandbox.guardduty.operations import Caller, GuardDutyApi

logger = logging.getLogger(__name__)

_CREDENTIAL = re.compile(
    r"Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request"
)
_LABEL = re.compile(r"\{(\w+)(\+?)\}")


@dataclass(frozen=True)
class Route:
    """One model operation's method and path pattern."""

    operation: str
    method: str
    pattern: re.Pattern[str]


def routes() -> list[Route]:
    """A route for every operation in the model, implemented ones first."""
    model = wire.service_model()
    names = list(GuardDutyApi.OPERATIONS) + [
        n for n in model.operation_names if n not in GuardDutyApi.OPERATIONS
    ]
    found = []
    for name in names:
        http = model.operation_model(name).http
        path = http["requestUri"].split("?", 1)[0]
        regex = ""
        last = 0
        for label in _LABEL.finditer(path):
            regex += re.escape(path[last : label.start()])
            part = ".+" if label[2] else "[^/]+"
            regex += f"(?P<{label[1]}>{part})"
            last = label.end()
        regex += re.escape(path[last:])
        found.append(Route(name, http["method"], re.compile(regex)))
    return found


class GuardDutyServer(ThreadingHTTPServer):
    """A threaded HTTP server answering GuardDuty API requests.

    Args:
        address: (host, port); port 0 lets the OS pick one.
        api: the operations.
        account_of: the account behind an access key id.
    """

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        api: GuardDutyApi,
        account_of: Callable[[str], str],
    ) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.account_of = account_of
        self.routes = routes()


class _Handler(BaseHTTPRequestHandler):
    server: GuardDutyServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each
    # answer waits for the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("GuardDuty stand-in: %s", format % args)

    def _serve(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        operation = "unknown"
        try:
            route, labels = self._route(url.path)
            operation = route.operation
            caller = self._caller()
            if operation not in GuardDutyApi.OPERATIONS:
                # Limitation: only the operations the product uses are
                # implemented; others would each need their own handler.
                raise GuardDutyError(
                    f"{operation} is not implemented by the GuardDuty stand-in.",
                    reason="NotImplemented",
                    error_type="NotImplemented",
                    status=501,
                )
            body = self._body(raw)
            params = {**labels, **_query(route.operation, url.query)}
            answer = self.server.api.call(operation, caller, params, body)
        except GuardDutyError as error:
            logger.info("GuardDuty %s -> %d %s", operation, error.status, error.reason)
            self._send(
                error.status, error.body(), {"x-amzn-ErrorType": error.error_type}
            )
            return
        logger.info(
            "GuardDuty %s by %s in %s -> 200", operation, caller.account, caller.region
        )
        self._send(200, answer, {})

    def _route(self, path: str) -> tuple[Route, dict[str, str]]:
        for route in self.server.routes:
            match = route.pattern.fullmatch(path)
            if match and route.method == self.command:
                return route, {k: unquote(v) for k, v in match.groupdict().items()}
        raise GuardDutyError(
            "Unknown operation",
            reason="UnknownOperationException",
            error_type="UnknownOperationException",
            status=404,
        )

    def _caller(self) -> Caller:
        authorization = self.headers.get("Authorization")
        if not authorization:
            raise GuardDutyError(
                "Missing Authentication Token",
                reason="MissingAuthenticationTokenException",
                error_type="MissingAuthenticationTokenException",
                status=403,
            )
        # Limitation: the signature itself is not verified, only its scope
        # read; verifying needs each access key's secret in the key map.
        scope = _CREDENTIAL.search(authorization)
        if scope is None or scope["service"] != wire.SERVICE:
            raise GuardDutyError(
                "Credential should be scoped to correct service: 'guardduty'.",
                reason="InvalidSignatureException",
                error_type="InvalidSignatureException",
                status=403,
            )
        return Caller(self.server.account_of(scope["key"]), scope["region"])

    def _body(self, raw: bytes) -> dict[str, Any]:
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as bad:
            raise GuardDutyError(
                "The request is rejected because the JSON body could not be parsed."
            ) from bad
        if not isinstance(body, dict):
            raise GuardDutyError(
                "The request is rejected because the body is not a JSON object."
            )
        return body

    def _send(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _query(operation: str, query: str) -> dict[str, Any]:
    """Query-string members by wire name, converted to their JSON types."""
    values = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    shape = wire.operation(operation).input_shape
    converted: dict[str, Any] = {}
    for member in shape.members.values() if shape is not None else ():
        name = member.serialization.get("name")
        if member.serialization.get("location") != "querystring" or name not in values:
            continue
        text = values[name]
        if member.type_name in ("integer", "long") and re.fullmatch(r"-?\d+", text):
            converted[name] = int(text)
        elif member.type_name == "boolean" and text in ("true", "false"):
            converted[name] = text == "true"
        else:
            converted[name] = text
    return converted
