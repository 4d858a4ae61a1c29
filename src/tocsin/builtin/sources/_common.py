"""What every built-in JSON alert source does the same way: read the body, validate it, explain errors."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from tocsin.errors import InvalidInput
from tocsin.plugins.sources import check_body_size

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "RequiredText",
    "StrMap",
    "Timestamp",
    "TimestampAssumingUtc",
    "compact_json",
    "describe_errors",
    "load_json_object",
    "load_model",
    "not_blank",
    "parse_timestamp",
    "text_map",
    "validate_model",
]

# Alertmanager and Grafana send a whole alert group in one body; 4 MiB holds thousands of alerts with
# realistic label sets while keeping one request's memory bounded.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

Model = TypeVar("Model", bound=BaseModel)


def _none_as_empty(value: object) -> object:
    # Go encodes a nil map as null; Alertmanager and Grafana can send "annotations": null.
    return {} if value is None else value


StrMap = Annotated[dict[str, str], BeforeValidator(_none_as_empty)]


def parse_timestamp(value: object, *, assume_utc: bool = False) -> datetime | None:
    """An RFC 3339 / ISO 8601 timestamp as an aware UTC datetime; empty and Go's zero time give ``None``.

    Alertmanager sends ``0001-01-01T00:00:00Z`` as the end of a firing alert: it means "not ended".
    A timestamp without an offset is refused unless ``assume_utc`` (PagerDuty senders omit it).
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 timestamp string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value[:64]!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        if not assume_utc:
            raise ValueError(f"{value[:64]!r} has no UTC offset; add Z or +00:00")
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year <= 1:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value[:64]!r} is out of range") from None


Timestamp = Annotated[datetime | None, BeforeValidator(parse_timestamp)]
TimestampAssumingUtc = Annotated[
    datetime | None, BeforeValidator(lambda v: parse_timestamp(v, assume_utc=True))
]


def _location(loc: tuple[int | str, ...], prefix: str) -> str:
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "body"


def describe_errors(exc: ValidationError, prefix: str = "") -> list[str]:
    """Each validation problem as one line a sender can act on: ``'alerts[0].status' is invalid: ...``.

    ``prefix`` names where the validated object sits in the body (``"payload"``).
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        where = _location(tuple(error["loc"]), prefix)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] in ("missing", "blank"):
            lines.append(f"'{where}' is missing or blank")
        elif not error["loc"] and not prefix:
            lines.append(message)  # a whole-body rule that names its own fields
        else:
            lines.append(f"'{where}' is invalid: {message}")
    return lines


def not_blank(value: object) -> object:
    """Refuse a missing, empty or all-blank text value, reported as "is missing or blank"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError("blank", "is missing or blank")
    return value


RequiredText = Annotated[str, BeforeValidator(not_blank)]


def load_json_object(body: bytes, source: str) -> dict[str, Any]:
    """The body decoded as a JSON object, or :class:`InvalidInput` saying why it is not one."""
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{source} body is not UTF-8 (byte {exc.start})", errors=["body is not UTF-8"]
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"{source} body is nested too deeply", errors=["body is nested too deeply"]
        ) from None
    except ValueError as exc:  # JSONDecodeError, and over-long integers
        reason = f"body is not valid JSON: {exc}"
        raise InvalidInput(f"{source} {reason}", errors=[reason]) from None
    if not isinstance(document, dict):
        reason = f"body must be a JSON object, not {type(document).__name__}"
        raise InvalidInput(f"{source} {reason}", errors=[reason])
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(document):
        reason = "body has a \\u escape of half a UTF-16 surrogate pair, which is not text"
        raise InvalidInput(f"{source} {reason}", errors=[reason])
    return document


# JSON may escape a surrogate (\ud800-\udfff) on its own; Python decodes it to a string that cannot be
# encoded, stored or compared as UTF-8. Pairs (an escaped emoji) are fine and are joined by the decoder.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(document: object) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except RecursionError:
        raise InvalidInput("body is nested too deeply", errors=["body is nested too deeply"]) from None
    return False


def validate_model(model: type[Model], document: Mapping[str, Any], *, source: str) -> Model:
    """``document`` validated against ``model``; every problem is listed in an :class:`InvalidInput`."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = describe_errors(exc)
        raise InvalidInput(f"{source} body is invalid: {'; '.join(errors[:5])}", errors=errors) from None
    except RecursionError:
        raise InvalidInput(
            f"{source} body is nested too deeply", errors=["body is nested too deeply"]
        ) from None


def load_model(model: type[Model], body: bytes, *, limit: int, source: str) -> Model:
    """Check the size, decode the JSON and validate it against ``model``; every failure is a tocsin error."""
    check_body_size(body, limit, source)
    return validate_model(model, load_json_object(body, source), source=source)


def compact_json(value: object) -> str:
    """A detail value as text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def text_map(values: Mapping[str, object]) -> dict[str, str]:
    """A free-form JSON object (PagerDuty ``custom_details``) flattened to text values."""
    try:
        return {str(key): compact_json(value) for key, value in values.items()}
    except RecursionError:
        raise InvalidInput(
            "details are nested too deeply", errors=["details are nested too deeply"]
        ) from None
