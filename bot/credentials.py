"""AWS credentials for the bot: its own, an assumed role, or a Google identity.

- Without ``aws.role_arn``: boto3's default chain (the Lambda's role, for one).
- With ``aws.role_arn``: STS AssumeRole from the default chain's credentials,
  e.g. into the GuardDuty administrator account.
- With ``aws.role_arn`` and ``aws.web_identity_audience``, on Google Cloud: no AWS
  keys at all. A Google ID token for that audience, from
  ``aws.web_identity_token_url`` (the metadata server by default), is exchanged with
  STS AssumeRoleWithWebIdentity.

Assumed credentials are kept and refreshed by botocore before they expire.
"""

import logging
from collections.abc import Callable
from typing import Any

import boto3
import botocore
import botocore.session
import requests
from botocore.config import Config
from botocore.credentials import CredentialProvider, DeferredRefreshableCredentials

from bot.errors import IdentityUnavailable
from notifier.aws import AwsSettings

logger = logging.getLogger(__name__)

SESSION_NAME = "guardduty-chatops-bot"
DURATION_SECONDS = 3600
TOKEN_TIMEOUT = 3.0
STS_FALLBACK_REGION = "us-east-1"

Metadata = dict[str, str]


def aws_session(
    settings: AwsSettings, *, http: requests.Session | None = None
) -> boto3.session.Session | None:
    """The boto3 session the bot's clients use; None means boto3's default."""
    if settings.role_arn is None:
        return None
    if settings.web_identity_audience:
        source = GoogleTokenSource(
            settings.web_identity_token_url,
            settings.web_identity_audience,
            http or requests.Session(),
        )
        fetch = _web_identity_fetch(settings, source)
        method = "guardduty-chatops-web-identity"
    else:
        fetch = _assume_role_fetch(settings)
        method = "guardduty-chatops-assume-role"
    core = botocore.session.get_session()
    resolver = core.get_component("credential_provider")
    resolver.insert_before("env", RoleProvider(fetch, method))
    return boto3.session.Session(botocore_session=core)


class GoogleTokenSource:
    """Google ID tokens for one audience, from the metadata server's identity URL.

    Args:
        url: the identity endpoint (tests point it at 127.0.0.1).
        audience: the audience the AWS identity provider expects.
    """

    def __init__(self, url: str, audience: str, http: requests.Session) -> None:
        self._url = url
        self._audience = audience
        self._http = http

    def __call__(self) -> str:
        """A fresh token.

        Raises:
            IdentityUnavailable: the endpoint failed or answered something else.
        """
        try:
            response = self._http.get(
                self._url,
                params={"audience": self._audience, "format": "full"},
                headers={"Metadata-Flavor": "Google"},
                timeout=TOKEN_TIMEOUT,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            logger.warning("no Google ID token: %s", type(error).__name__)
            raise IdentityUnavailable("no Google ID token") from error
        token = response.text.strip()
        if token.count(".") != 2:
            logger.warning("the identity endpoint did not answer with a JWT")
            raise IdentityUnavailable("not a Google ID token")
        return token


class RoleProvider(CredentialProvider):  # type: ignore[misc]
    """Hands botocore credentials that it refreshes itself before they expire."""

    CANONICAL_NAME = "guardduty-chatops"

    def __init__(self, fetch: Callable[[], Metadata], method: str) -> None:
        super().__init__()
        self._fetch = fetch
        self.METHOD = method

    def load(self) -> Any:
        return DeferredRefreshableCredentials(self._fetch, self.METHOD)


def _sts(settings: AwsSettings, session: Any, **config: Any) -> Any:
    return session.client(
        "sts",
        region_name=settings.region or STS_FALLBACK_REGION,
        endpoint_url=settings.endpoint_for("sts"),
        config=Config(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retries={"mode": "standard", "max_attempts": settings.max_attempts},
            **config,
        ),
    )


def _assume_role_fetch(settings: AwsSettings) -> Callable[[], Metadata]:
    sts = _sts(settings, boto3.session.Session())

    def fetch() -> Metadata:
        response = sts.assume_role(
            RoleArn=settings.role_arn,
            RoleSessionName=SESSION_NAME,
            DurationSeconds=DURATION_SECONDS,
        )
        logger.info("assumed role %s", settings.role_arn)
        return _metadata(response)

    return fetch


def _web_identity_fetch(
    settings: AwsSettings, source: Callable[[], str]
) -> Callable[[], Metadata]:
    # AssumeRoleWithWebIdentity is not signed: the Google token is the credential.
    sts = _sts(settings, boto3.session.Session(), signature_version=botocore.UNSIGNED)

    def fetch() -> Metadata:
        response = sts.assume_role_with_web_identity(
            RoleArn=settings.role_arn,
            RoleSessionName=SESSION_NAME,
            WebIdentityToken=source(),
            DurationSeconds=DURATION_SECONDS,
        )
        logger.info("assumed role %s with a Google identity", settings.role_arn)
        return _metadata(response)

    return fetch


def _metadata(response: Any) -> Metadata:
    credentials = response["Credentials"]
    return {
        "access_key": credentials["AccessKeyId"],
        "secret_key": credentials["SecretAccessKey"],
        "token": credentials["SessionToken"],
        "expiry_time": credentials["Expiration"].isoformat(),
    }
