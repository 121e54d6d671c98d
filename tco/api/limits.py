"""Limits on what a request may be, checked before anything parses it, each refused with a
problem naming what is over the limit.

- JSON nesting depth (every JSON body, before any route decodes it): msgspec decodes
  recursively, so a ~2 KB body of 1,000 nested arrays ends in a RecursionError (a 500).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from litestar import Request

from tco.api.errors import ProblemException

# The deepest legitimate body is a pricing table: body > offers > offer > owned_inputs, depth 4
# (a run upload is 3). 64 leaves a client's own wrapping room to spare and stays far below
# Python's recursion limit (1,000 frames), which a decoder on a worker thread shares with
# whatever called it.
MAX_JSON_DEPTH = 64

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_NOT_MARKS = bytes(b for b in range(256) if b not in b'"[]{}')


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in ``body`` (0 for a scalar), read without decoding
    it: brackets inside strings do not count. Malformed JSON gets a number too; the decoder
    that runs next refuses it. Linear, in C and numpy: ~30 ms for a 10 MB body."""
    # Escapes read left to right, as a decoder does: once the escaped backslashes and then the
    # escaped quotes are gone, every '"' left opens or closes a string.
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = np.frombuffer(text.translate(None, _NOT_MARKS), dtype=np.uint8)
    quote = marks == ord('"')
    outside = (np.bitwise_xor.accumulate(quote.view(np.uint8)) == 0) & ~quote
    codes = marks[outside]
    opened = np.cumsum((codes == ord("[")) | (codes == ord("{")), dtype=np.int32)
    # depth after each bracket: those opened so far less those closed (the rest)
    depth = 2 * opened - np.arange(1, codes.size + 1, dtype=np.int32)
    return max(int(depth.max(initial=0)), 0)


def _too_deep(body: bytes) -> bool:
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # too few brackets to nest that deep: no need to scan (most bodies)
    return json_depth(body) > MAX_JSON_DEPTH


def _json_media_type(request: Request[Any, Any, Any]) -> bool | None:
    """True for a JSON media type, None when the request names none."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type.endswith(("/json", "+json")) if media_type else None


async def check_json_body(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook of every route: a JSON body nested deeper than MAX_JSON_DEPTH is
    a 400 before the route decodes it. The body read here is cached for the route handler."""
    if request.method not in _BODY_METHODS:
        return
    is_json = _json_media_type(request)
    if is_json is False:
        return  # CSV or text: the route reads (and size-checks) it itself
    body = await request.body()  # over the route's size limit: a 413 (tco.api.errors)
    if is_json is None and body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        return  # POST /v1/runs takes a body without Content-Type as JSON by its first byte
    if _too_deep(body):
        raise ProblemException(
            400,
            f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels (arrays and objects)",
            field="body",
        )
