"""The notifier's exceptions: one root, and the few kinds callers tell apart."""


class ChatOpsError(Exception):
    """Root of every error this product raises on purpose.

    Attributes:
        retryable: whether trying the same thing again later may succeed.
    """

    retryable: bool = False


class ConfigError(ChatOpsError):
    """The configuration file is missing, unreadable or invalid."""


class SecretError(ChatOpsError):
    """A secret reference could not be resolved."""

    retryable = True


class NotAFinding(ChatOpsError):
    """A document is not a GuardDuty finding (or an event carrying one)."""


class DeliveryError(ChatOpsError):
    """A channel did not accept a message."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
