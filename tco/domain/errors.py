"""Domain errors. Each names the request field at fault and why; the HTTP layer turns them into
problem+json (400/404/422) and the CLI into a one-line message."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidRequest(DomainError):
    """The request is well-formed but cannot be answered as asked (422)."""

    status = 422


class NotFound(DomainError):
    status = 404
