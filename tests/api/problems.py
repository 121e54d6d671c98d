"""The one check every API test makes of an error answer: its status, the problem+json media
type, and a body that repeats the status."""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body
