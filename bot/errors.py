"""The bot's exceptions: one root, and the kinds the HTTP edge and actions tell apart.

Each error that reaches a person carries words written for them (``user_message``)
and a google.rpc status name for dialog answers; the details stay in the log.
"""

from notifier.errors import ChatOpsError


class BotError(ChatOpsError):
    """Root of the errors the bot raises on purpose."""


class Unauthenticated(BotError):
    """The request carries no valid Google token: answered 401."""


class VerifierUnavailable(BotError):
    """Google's signing certificates could not be fetched: answered 503."""

    retryable = True


class IdentityUnavailable(BotError):
    """No Google ID token to exchange for AWS credentials."""

    retryable = True


class BadEvent(BotError):
    """The body is not a Chat event the bot understands: answered 400."""


class Refusal(BotError):
    """Something to tell the person privately instead of acting.

    Attributes:
        user_message: plain text for the person, built from the bot's own words.
        status: the google.rpc code name a dialog answer carries.
        outcome: the short word the audit log records.
    """

    def __init__(
        self, user_message: str, *, status: str = "INVALID_ARGUMENT", outcome: str
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.status = status
        self.outcome = outcome


class GuardDutyFailure(Refusal):
    """GuardDuty refused or failed a call; the card stays as it was."""

    def __init__(
        self,
        user_message: str,
        *,
        status: str = "UNAVAILABLE",
        outcome: str = "guardduty-error",
        retryable: bool = False,
    ) -> None:
        super().__init__(user_message, status=status, outcome=outcome)
        self.retryable = retryable
