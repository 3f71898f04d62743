"""The role the bot on Google Cloud assumes with its Google ID token.

IAM matches Google tokens on three keys: accounts.google.com:aud is the token's azp
claim when present (for a service account's ID token, its unique ID), :oaud is the
token's aud claim (the audience the bot asked for), :sub is sub. `admits` applies the
trust policy's StringEquals to a token's claims the same way.
"""

from typing import Any

import pytest

from tests.infra.stacks import Stack, as_list

BOT_ID = "112233445566778899001"
OTHER_ID = "998877665544332211009"
AUDIENCE = "guardduty-chatops"


def token(
    subject: str, audience: str = AUDIENCE, azp: str | None = None
) -> dict[str, str]:
    """The claims of a Google ID token minted for a service account."""
    return {
        "iss": "https://accounts.google.com",
        "aud": audience,
        "azp": subject if azp is None else azp,
        "sub": subject,
    }


def context(claims: dict[str, str]) -> dict[str, str]:
    return {
        "accounts.google.com:aud": claims.get("azp", claims["aud"]),
        "accounts.google.com:oaud": claims["aud"],
        "accounts.google.com:sub": claims["sub"],
    }


def admits(trust: dict[str, Any], claims: dict[str, str]) -> bool:
    values = context(claims)
    for statement in as_list(trust["Statement"]):
        if statement["Effect"] != "Allow":
            continue
        if statement["Principal"] != {"Federated": "accounts.google.com"}:
            continue
        if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        conditions = statement["Condition"]
        assert set(conditions) == {"StringEquals"}, "no wildcard operators"
        required = conditions["StringEquals"]
        if all(values.get(key) == wanted for key, wanted in required.items()):
            return True
    return False


def trust(**parameters: str) -> dict[str, Any]:
    stack = Stack.of("template.yaml", DeployBot="false", **parameters)
    document: dict[str, Any] = stack.properties("GoogleBotRole")[
        "AssumeRolePolicyDocument"
    ]
    return document


def test_no_role_without_a_google_service_account() -> None:
    assert "GoogleBotRole" not in Stack.of("template.yaml").resources()


@pytest.mark.parametrize(
    ("claims", "admitted"),
    [
        (token(BOT_ID), True),
        (token(OTHER_ID), False),
        (token(BOT_ID, audience="https://sts.amazonaws.com"), False),
        (token(BOT_ID, azp=OTHER_ID), False),
        (token(OTHER_ID, azp=BOT_ID), False),
    ],
)
def test_only_the_bots_service_account_with_its_audience_gets_in(
    claims: dict[str, str], admitted: bool
) -> None:
    policy = trust(GoogleServiceAccountUniqueId=BOT_ID, GoogleTokenAudience=AUDIENCE)

    assert admits(policy, claims) is admitted


def test_without_an_audience_the_service_account_alone_decides() -> None:
    policy = trust(GoogleServiceAccountUniqueId=BOT_ID)

    assert admits(policy, token(BOT_ID, audience="anything"))
    assert not admits(policy, token(OTHER_ID, audience="anything"))


def test_trust_names_the_service_account_on_aud_and_sub() -> None:
    policy = trust(GoogleServiceAccountUniqueId=BOT_ID, GoogleTokenAudience=AUDIENCE)
    (statement,) = policy["Statement"]

    assert statement["Condition"] == {
        "StringEquals": {
            "accounts.google.com:aud": BOT_ID,
            "accounts.google.com:sub": BOT_ID,
            "accounts.google.com:oaud": AUDIENCE,
        }
    }


def test_role_carries_the_bot_policy_and_no_keys_exist() -> None:
    stack = Stack.of(
        "template.yaml", DeployBot="false", GoogleServiceAccountUniqueId=BOT_ID
    )
    resources = stack.resources()

    assert stack.properties("BotPolicy")["Roles"] == [{"Ref": "GoogleBotRole"}]
    assert stack.properties("GoogleBotRole")["MaxSessionDuration"] == 3600
    kinds = {resource["Type"] for resource in resources.values()}
    assert not kinds & {"AWS::IAM::User", "AWS::IAM::AccessKey"}
