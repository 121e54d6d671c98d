"""Query strings -> domain request structs, with msgspec's validation reported as a 400 that
names the field (``$.targets[0]`` -> ``targets[0]``)."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from tco.api.errors import FieldError, ProblemException

T = TypeVar("T")
_PATH = re.compile(r"at `\$\.?([^`]*)`")


def validation_problem(
    exc: msgspec.ValidationError,
    where: str,
    aliases: dict[str, str] | None = None,
    status: int = 400,
) -> ProblemException:
    """``aliases`` rename a struct path to the parameter that carried it (value ->
    demand_value), so the problem names what the caller actually sent. ``status``: 400 where the
    API document states the rule that failed, 422 where it cannot (a rule that depends on another
    parameter's value)."""
    message = str(exc)
    match = _PATH.search(message)
    field = match.group(1) if match and match.group(1) else where
    field = (aliases or {}).get(field, field)
    reason = _PATH.sub("", message).strip(" -")
    return ProblemException(
        status, f"{field}: {reason}", field=field, errors=[FieldError(field=field, reason=reason)]
    )


def to_struct(kind: type[T], data: dict[str, object], where: str = "query") -> T:
    try:
        return msgspec.convert({k: v for k, v in data.items() if v is not None}, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise validation_problem(exc, where) from exc


def csv_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]
