"""What the GuardDuty stand-in tests share: fake keys, clients and a clock."""

import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from sandbox.guardduty import ADMINISTRATOR, MEMBER, GuardDutyStandIn

# Nothing here may reach AWS: no instance metadata, no profile from the host.
os.environ.update(
    AWS_EC2_METADATA_DISABLED="true",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
)

ADMIN_KEY = "AKIA" + secrets.token_hex(8).upper()
MEMBER_KEY = "AKIA" + secrets.token_hex(8).upper()
KEYS = {ADMIN_KEY: ADMINISTRATOR, MEMBER_KEY: MEMBER}
START = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def client(
    guardduty: GuardDutyStandIn,
    region: str = "us-east-1",
    key: str = ADMIN_KEY,
    *,
    validate: bool = True,
) -> Any:
    """A real boto3 GuardDuty client pointed at the stand-in, fake secret."""
    return boto3.client(
        "guardduty",
        region_name=region,
        endpoint_url=guardduty.url,
        aws_access_key_id=key,
        aws_secret_access_key=secrets.token_hex(20),
        config=Config(
            parameter_validation=validate,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )
