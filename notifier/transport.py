"""HTTP for the Chat channels: one pooled session, a timeout on every call, and
retries with backoff that never outlast the delivery's budget.

A warm Lambda container keeps the module's session, so its connections (and TLS
handshakes) serve every invocation. Failures worth repeating (429, 500, 502, 503,
504, timeouts, dropped connections) are retried with exponential backoff and full
jitter, or after the server's ``Retry-After``; a wait that would pass the deadline
is not taken: the call fails at once, marked retryable, so the next channel still
has time.
"""

import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

import requests
import requests.adapters

from notifier.budget import Budget
from notifier.errors import DeliveryError
from notifier.jsonview import JsonView
from notifier.pacing import shared_pacer
from notifier.settings import ChatSettings
from notifier.text import clean

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Below this, an attempt cannot even connect: fail rather than send it.
MIN_ATTEMPT_SECONDS = 0.1
POOL_SIZE = 10
_DELTA_SECONDS = re.compile(r"\d{1,9}(\.\d{1,6})?")

_session: requests.Session | None = None
_session_lock = threading.Lock()


def shared_session() -> requests.Session:
    """The process's pooled session, created on first use and kept for reuse."""
    global _session
    with _session_lock:
        if _session is None:
            _session = _new_session()
        return _session


def _new_session() -> requests.Session:
    session = requests.Session()
    # Retries are ours (budget-aware); urllib3 must not add its own.
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class QueryRedactor(logging.Filter):
    """Cuts query strings out of urllib3's debug lines.

    urllib3 logs each request's path with its query at DEBUG; a webhook URL's query
    is its credential, so it must not reach the log even when DEBUG is on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.partition("?")[0] + "?REDACTED"
                if isinstance(arg, str) and "?" in arg
                else arg
                for arg in record.args
            )
        return True


def _guard_urllib3_log() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(item, QueryRedactor) for item in logger.filters):
        logger.addFilter(QueryRedactor())


_guard_urllib3_log()


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one request is tried.

    Attributes:
        max_attempts: attempts per request, the first included.
        timeout_seconds: the cap on each attempt's timeout (the budget may cut it).
        base_delay: the backoff before the second attempt is drawn from
            [0, base_delay]; each later one doubles the range.
        max_delay: the largest range a backoff is drawn from.
    """

    max_attempts: int = 5
    timeout_seconds: float = 10.0
    base_delay: float = 0.5
    max_delay: float = 16.0

    @classmethod
    def for_chat(cls, settings: ChatSettings) -> "RetryPolicy":
        return cls(settings.max_attempts, settings.timeout_seconds)


@dataclass(frozen=True)
class Call:
    """One HTTP request to a Chat endpoint, with what the log line names.

    Attributes:
        url: the endpoint; a webhook's carries its credential, so it is never
            logged or shown.
        operation: what the call does, for the log ("create", "update", "read").
        space: ``spaces/ID``, for the log and for pacing writes.
        write: counts against the space's write quota (paced).
        finding: the finding's id, for the log.
        message: the message's id, for the log.
    """

    method: str
    url: str = field(repr=False)
    operation: str
    space: str
    params: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = field(default=None, repr=False)
    write: bool = True
    finding: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Answer:
    """A response that needs no retry (success, or an error retrying won't fix).

    Attributes:
        status: the HTTP status.
        body: the JSON body (an empty view when there is none).
        attempts: attempts this request took.
    """

    status: int
    body: JsonView
    attempts: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def problem(self) -> str:
        """Google's error status and message, short and cleaned, for errors."""
        error = self.body.at("error")
        status = error.at("status").text() or "error"
        message = clean(error.at("message").text() or "", limit=200)[:200]
        return f"HTTP {self.status} {status}: {message}".rstrip(": ")


class RequestFailed(DeliveryError):
    """A Chat request failed; ``status`` is the last HTTP status, if any."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status
        self.attempts = attempts


class Authorizer(Protocol):
    """Supplies the headers that authenticate a call."""

    def headers(self, budget: Budget, *, refresh: bool = False) -> dict[str, str]:
        """The headers; with ``refresh``, after a 401, a new token first."""
        ...


class Pacer(Protocol):
    """Holds back writes to a space so they stay under its quota."""

    def admit(
        self, space: str, budget: Budget, sleep: Callable[[float], None]
    ) -> float:
        """Records a write, waiting first if needed; returns the seconds waited."""
        ...


class Transport:
    """Sends calls with timeouts, retries and pacing.

    Args:
        policy: attempts, timeouts and backoff.
        session: the HTTP session; the process's pooled one by default.
        pacer: paces writes per space; none by default.
        sleep: waits, in seconds (tests pass their own).
        wall_clock: seconds since the epoch, to read HTTP-date Retry-After values.
        jitter: a random source for the backoff.
    """

    def __init__(
        self,
        policy: RetryPolicy = RetryPolicy(),
        *,
        session: requests.Session | None = None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        jitter: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self._session = session
        self._pacer = pacer
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._jitter = jitter or random.Random()  # noqa: S311 (backoff, not secrets)

    @classmethod
    def for_chat(cls, settings: ChatSettings) -> "Transport":
        """The transport Chat writes go through: ``chat.max_attempts``,
        ``chat.timeout_seconds``, and the process's pacer for the spaces."""
        return cls(
            RetryPolicy.for_chat(settings),
            pacer=shared_pacer(settings.writes_per_minute),
        )

    @property
    def session(self) -> requests.Session:
        return self._session or shared_session()

    def send(
        self, call: Call, budget: Budget, authorizer: Authorizer | None = None
    ) -> Answer:
        """Sends ``call`` until it gets an answer worth returning.

        Returns:
            The answer: any status but 401 (once) and the retryable ones.

        Raises:
            RequestFailed: retryable when attempts or the budget ran out on
                retryable failures; not retryable when the request itself cannot
                be sent (a bad URL, a TLS certificate problem).
        """
        attempts = self.policy.max_attempts
        refreshed = refresh = False
        last: int | None = None
        for attempt in range(1, attempts + 1):
            if self._pacer is not None and call.write:
                self._pacer.admit(call.space, budget, self._sleep)
            timeout = budget.timeout(self.policy.timeout_seconds)
            if timeout < MIN_ATTEMPT_SECONDS:
                raise _out_of_time(call, last, attempt - 1)

            headers = authorizer.headers(budget, refresh=refresh) if authorizer else {}
            refresh = False
            status, wait, answer = self._attempt(call, headers, timeout, attempt)
            last = status or last
            if answer is not None and status == 401 and authorizer and not refreshed:
                # The token may have been revoked or expired early: one new one.
                refreshed = refresh = True
                continue
            if answer is not None:
                return answer
            if attempt == attempts:
                break

            delay = wait if wait is not None else self._backoff(attempt)
            if delay + MIN_ATTEMPT_SECONDS >= budget.remaining():
                raise _out_of_time(call, last, attempt)
            self._sleep(delay)
        raise RequestFailed(
            f"Chat {call.operation} in {call.space}: no success after {attempts} "
            f"attempts (last status {last or 'none'})",
            retryable=True,
            status=last,
            attempts=attempts,
        )

    def _attempt(
        self, call: Call, headers: Mapping[str, str], timeout: float, attempt: int
    ) -> tuple[int | None, float | None, Answer | None]:
        """One attempt: (status, the server's wait, an answer to return or None)."""
        try:
            response = self.session.request(
                call.method,
                call.url,
                params=dict(call.params),
                json=call.body,
                headers=dict(headers),
                timeout=timeout,
            )
        except requests.exceptions.SSLError:
            # Not chained: requests' messages quote the URL, a webhook's credential.
            self._log(call, "tls-error", attempt)
            raise RequestFailed(
                f"Chat {call.operation} in {call.space}: TLS failure",
                retryable=False,
                attempts=attempt,
            ) from None
        except (requests.Timeout, requests.ConnectionError) as error:
            self._log(call, _failure_name(error), attempt)
            return None, None, None
        except requests.RequestException as error:
            self._log(call, type(error).__name__, attempt)
            raise RequestFailed(
                f"Chat {call.operation} in {call.space}: {type(error).__name__}",
                retryable=False,
                attempts=attempt,
            ) from None

        with response:
            status = response.status_code
            self._log(call, str(status), attempt)
            if status in RETRYABLE_STATUSES:
                wait = retry_after(
                    response.headers.get("Retry-After"), self._wall_clock
                )
                return status, wait, None
            return status, None, Answer(status, _json(response), attempt)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, base * 2^(attempt-1)], capped."""
        ceiling = min(
            self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1)
        )
        return self._jitter.uniform(0.0, ceiling)

    def _log(self, call: Call, status: str, attempt: int) -> None:
        log.info(
            "chat %s finding=%s space=%s message=%s status=%s attempt %d of %d",
            call.operation,
            call.finding or "-",
            call.space,
            call.message or "-",
            status,
            attempt,
            self.policy.max_attempts,
        )


def retry_after(value: str | None, wall_clock: Callable[[], float]) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment.timestamp() - wall_clock(), 0.0)


def _json(response: requests.Response) -> JsonView:
    try:
        return JsonView(response.json())
    except ValueError:
        return JsonView(None)


def _failure_name(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timeout"
    return "disconnected"


def _out_of_time(call: Call, status: int | None, attempts: int) -> RequestFailed:
    return RequestFailed(
        f"Chat {call.operation} in {call.space}: the deadline is too near to try "
        f"again (last status {status or 'none'})",
        retryable=True,
        status=status,
        attempts=attempts,
    )
