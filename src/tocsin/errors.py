"""tocsin's one exception tree.

::

    TocsinError                      base; ``code`` is stable and machine-readable, ``status`` is HTTP
    ├── InvalidInput      400        a value is malformed, missing or over a documented limit
    ├── Unauthenticated   401        no credentials, or credentials that are wrong, revoked or expired
    ├── Forbidden         403        authenticated, but the role does not allow the action
    ├── NotFound          404        the thing named does not exist
    ├── Conflict          409        the request is valid but the current state refuses it
    │   └── InvalidTransition        an incident state change that the lifecycle does not allow
    ├── PayloadTooLarge   413        a body over the size limit
    ├── TooManyAttempts   429        too many tries (failed sign-ins); ``retry_after_s`` says when to retry
    └── Unavailable       503        the store cannot take the write right now; retry later

The message of each error says what was wrong and, where it helps, what to do instead. The web layer
turns them into problem JSON; the CLI prints the message on one line and exits non-zero.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "PayloadTooLarge",
    "TocsinError",
    "TooManyAttempts",
    "Unauthenticated",
    "Unavailable",
]


class TocsinError(Exception):
    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details


class InvalidInput(TocsinError):
    status = 400
    default_code = "invalid_input"


class Unauthenticated(TocsinError):
    status = 401
    default_code = "unauthenticated"


class Forbidden(TocsinError):
    status = 403
    default_code = "forbidden"


class NotFound(TocsinError):
    status = 404
    default_code = "not_found"


class Conflict(TocsinError):
    status = 409
    default_code = "conflict"


class InvalidTransition(Conflict):
    default_code = "invalid_transition"


class PayloadTooLarge(TocsinError):
    status = 413
    default_code = "payload_too_large"


class TooManyAttempts(TocsinError):
    status = 429
    default_code = "too_many_attempts"


class Unavailable(TocsinError):
    status = 503
    default_code = "unavailable"
