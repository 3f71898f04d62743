"""The errors GuardDuty answers with, as the stand-in sends them.

GuardDuty's rest-json errors carry the modelled exception in the
`x-amzn-ErrorType` header (`BadRequestException`, status 400) and a body of
`{"message": ..., "__type": ...}` where `__type` is the finer reason, e.g.
`InvalidInputException`. That is the wire form logged in
https://github.com/boto/boto3/issues/3890 and the `Type` seen in
https://github.com/turbot/steampipe-plugin-aws/issues/1105. botocore reports
the header's name as the ClientError code and the body's message.

The messages follow the API reference's error lists (the archived GuardDuty
API pages in awsdocs/amazon-guardduty-user-guide), in the "The request is
rejected because ..." wording that live responses use.
"""

from __future__ import annotations

INVALID_VALUE = (
    "The request is rejected because an invalid or out-of-range value is "
    "specified as an input parameter."
)
TOO_MANY_IDS = (
    "The request is rejected because the number of requested finding Ids is out "
    "of bounds."
)
NOT_OWNED = (
    "The request is rejected because the input detectorId is not owned by the "
    "current account."
)
NOT_AUTHORIZED = (
    "The request is rejected because the caller is not authorized to call this API."
)
FILTER_LIMIT = "The request is rejected because filter limit has exceeded."
FILTER_EXISTS = (
    "The request is rejected because a filter with the given name already exists."
)
INVALID_FINDING_TYPE = (
    "The request is rejected because an invalid finding type is specified."
)


class GuardDutyError(Exception):
    """An error answer: HTTP status, header error type, body `__type`, message."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = "InvalidInputException",
        error_type: str = "BadRequestException",
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.error_type = error_type
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body GuardDuty sends with this error."""
        return {"message": self.message, "__type": self.reason}


def invalid_parameter(name: str) -> GuardDutyError:
    """The answer to a request whose parameter `name` has a bad value."""
    return GuardDutyError(
        f"The request is rejected because the parameter {name} has an invalid value."
    )


def not_authorized() -> GuardDutyError:
    """The answer to a caller that may not call the operation.

    GuardDuty reports this as `AccessDeniedException` inside a 400
    `BadRequestException` (the API reference lists AccessDeniedException with
    HTTP status 400 for ArchiveFindings; the model lists only
    BadRequestException and InternalServerErrorException for it).
    """
    return GuardDutyError(NOT_AUTHORIZED, reason="AccessDeniedException")
