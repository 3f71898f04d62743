"""boto3 clients built one way: short timeouts, standard retries, test endpoints."""

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

# Google's metadata server hands the workload's ID tokens out here (on Google Cloud).
GOOGLE_IDENTITY_URL = (
    "http://metadata.google.internal/computeMetadata/v1/instance/"
    "service-accounts/default/identity"
)


# botocore's DEBUG lines carry request and response bodies (secret values from
# Secrets Manager and SSM, credentials from STS) and signing material, so its
# loggers never go below INFO, whatever the level of the root logger.
_BOTOCORE = logging.getLogger("botocore")
if _BOTOCORE.level < logging.INFO:
    _BOTOCORE.setLevel(logging.INFO)


@dataclass(frozen=True)
class AwsSettings:
    """Where and how the product calls AWS.

    Attributes:
        region: the home Region (SNS, Secrets Manager, SSM) when an ARN names none.
        endpoint_url: sends every AWS call there instead (tests, the sandbox).
        endpoints: per-service endpoint overrides, e.g. ``{"guardduty": URL}``.
        role_arn: a role to assume for GuardDuty calls (the administrator account).
        regions: the Regions the bot may act in and search; empty means the home
            Region alone.
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for an answer.
        max_attempts: attempts per call, retries included (botocore standard mode).
        web_identity_audience: with ``role_arn``, assume the role with a Google ID
            token for this audience (the bot on Google Cloud, without AWS keys).
        web_identity_token_url: where the Google ID token comes from.
    """

    region: str | None = None
    endpoint_url: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    role_arn: str | None = None
    regions: tuple[str, ...] = ()
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    max_attempts: int = 3
    web_identity_audience: str | None = None
    web_identity_token_url: str = GOOGLE_IDENTITY_URL

    def endpoint_for(self, service: str) -> str | None:
        return self.endpoints.get(service) or self.endpoint_url


class ClientSource(Protocol):
    """Where boto3 clients come from (:class:`AwsClients`, or a test's own)."""

    def client(self, service: str, region: str | None = None) -> Any: ...


class AwsClients:
    """Creates and keeps one client per service and Region (clients are thread-safe)."""

    def __init__(self, settings: AwsSettings, session: Any = None) -> None:
        self.settings = settings
        self._session = session
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client for ``service`` in ``region`` (the home Region if None)."""
        region = region or self.settings.region
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._create(service, region)
            return self._clients[key]

    def _create(self, service: str, region: str | None) -> Any:
        import boto3
        from botocore.config import Config

        if self._session is None:
            # One session for every client: making one loads botocore's data anew.
            self._session = boto3.session.Session()
        config = Config(
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            retries={"mode": "standard", "max_attempts": self.settings.max_attempts},
        )
        return self._session.client(
            service,
            region_name=region,
            endpoint_url=self.settings.endpoint_for(service),
            config=config,
        )
