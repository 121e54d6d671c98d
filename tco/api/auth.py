"""Who may do what: API keys and roles, per-key write rate limits, and request ids.

- A key arrives in the ``X-API-Key`` header only (never a query parameter: URLs end up in
  proxy logs and browser histories). The store looks it up by its SHA-256; the plaintext is
  never logged, echoed in a problem, or kept after the lookup.
- A handler states the role it needs with ``opt=requires(Role.EDITOR)``; one app-level guard
  enforces it: 401 without a valid key, 403 with a lower role. Reads are open unless
  ``reads_require_key`` is set, then they need a viewer key; liveness and the API description
  stay open either way (they reveal no prices).
- Writes (the operations needing editor or admin) are rate limited per key by a token bucket
  held in the store (tco.store.sql.limits), so shared by every process and replica on one
  database: 429 with ``Retry-After``.
- Every request gets an id: ``X-Request-ID`` echoed when well-formed, else generated. It is
  returned on the response and recorded in the audit with each write.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import anyio
import msgspec
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Guard, Message, Receive, Scope, Send
from litestar.utils.sync import ensure_async_callable

from tco.api.errors import ProblemException, problem_spec
from tco.store import KeyInfo, Role, Store

API_KEY_HEADER = "X-API-Key"
REQUEST_ID_HEADER = "X-Request-ID"
SECURITY_SCHEME = "ApiKey"
# Declared on every operation that needs a key (``security=API_KEY_SECURITY``).
API_KEY_SECURITY: list[dict[str, list[str]]] = [{SECURITY_SCHEME: []}]

_MIN_ROLE = "min_role"
_KEY_STATE = "tco.api_key"
_REQUEST_ID_STATE = "tco.request_id"
# Open even when reads need a key: liveness, the API description and the widget's static
# files carry no prices.
_PUBLIC_PREFIXES = ("/healthz", "/schema", "/docs", "/widget", "/embed")
# Client ids end up in the audit table: accept the usual id alphabets (UUIDs, ULIDs, trace
# ids), bounded, and replace anything else rather than store attacker-chosen text.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

AUTH_PROBLEMS = {
    401: problem_spec(f"Missing, unknown or revoked API key (header {API_KEY_HEADER})"),
    403: problem_spec("The API key's role is too low for this operation"),
}
RATE_LIMIT_PROBLEM = {
    429: problem_spec("Too many writes with this API key; retry after Retry-After seconds"),
}


def requires(role: Role) -> dict[str, Any]:
    """Handler ``opt`` naming the lowest role allowed to call it."""
    return {_MIN_ROLE: role}


class AuthSettings(msgspec.Struct, kw_only=True, frozen=True):
    reads_require_key: bool = False
    # A person editing prices writes a few times a minute; a script loading a quarter's
    # negotiated tables bursts a few dozen writes. 60 at once, then one a second, allows both
    # and stops a runaway loop before it buries the version history.
    write_burst: int = 60
    write_refill_per_s: float = 1.0

    def __post_init__(self) -> None:
        if self.write_burst < 1:
            raise ValueError(f"write_burst must be >= 1, got {self.write_burst}")
        if not (math.isfinite(self.write_refill_per_s) and self.write_refill_per_s > 0):
            raise ValueError(f"write_refill_per_s must be > 0, got {self.write_refill_per_s}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AuthSettings:
        """``TCO_READS_REQUIRE_KEY=1``, ``TCO_WRITE_BURST``, ``TCO_WRITE_RATE_PER_S``."""
        defaults = cls()
        try:
            return cls(
                reads_require_key=env.get("TCO_READS_REQUIRE_KEY", "0").strip().lower()
                in ("1", "true", "yes"),
                write_burst=int(env.get("TCO_WRITE_BURST", defaults.write_burst)),
                write_refill_per_s=float(
                    env.get("TCO_WRITE_RATE_PER_S", defaults.write_refill_per_s)
                ),
            )
        except ValueError as exc:
            raise ValueError(f"invalid TCO_WRITE_BURST / TCO_WRITE_RATE_PER_S: {exc}") from None


class Authorizer:
    """The app-level guard: authenticates, checks the role, rate limits writes."""

    def __init__(self, store: Store, settings: AuthSettings) -> None:
        self.store = store
        self.settings = settings

    def needed_by(self, handler: BaseRouteHandler) -> bool:
        """Whether this guard has anything to check on ``handler``: a role it requires, or a
        read when reads need a key (all paths but the public ones)."""
        if handler.opt.get(_MIN_ROLE) is not None:
            return True
        paths = getattr(handler, "paths", ())
        return self.settings.reads_require_key and not all(
            p.startswith(_PUBLIC_PREFIXES) for p in paths
        )

    def bind(self, app: Litestar) -> None:
        """Put this guard on the app's handlers that need it, and only those: litestar copies
        the handler for each guard it runs, a cost every request paid, open reads included.
        The handlers in ``app.routes`` are the app's own copies (module-level handlers are
        shared by every app built), so this changes no other app."""
        for route in app.routes:
            handlers = (
                route.route_handlers if isinstance(route, HTTPRoute) else [route.route_handler]
            )
            for handler in handlers:
                guards: list[Guard] = [*(handler.guards or [])]
                if self.needed_by(handler):
                    guards.append(self)
                handler._resolved_guards = [ensure_async_callable(g) for g in guards]  # type: ignore[arg-type]

    # Async on purpose: litestar runs a sync guard in a worker thread, a ~100 us hop on every
    # request; the key lookup is one indexed SQLite read, cheap enough for the event loop.
    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:  # fmt: skip
        required: Role | None = handler.opt.get(_MIN_ROLE)
        if required is None:
            if not self.settings.reads_require_key or connection.url.path.startswith(
                _PUBLIC_PREFIXES
            ):
                return
            required = Role.VIEWER
        key = self._authenticate(connection, required)
        if not key.role.allows(required):
            raise ProblemException(
                403,
                f"this operation needs role {required.name.lower()} or higher; "
                f"key {key.name!r} has role {key.role.name.lower()}",
                field=API_KEY_HEADER,
            )
        if required >= Role.EDITOR:  # editor and admin operations are the writes
            # The bucket is in the store, shared by every process and replica (a write
            # transaction, so off the event loop; writes are the slow requests anyway).
            wait_s = await anyio.to_thread.run_sync(self._take_write_token, key.name)
            if wait_s > 0:
                retry_after_s = max(1, math.ceil(wait_s))
                raise ProblemException(
                    429,
                    f"too many writes with key {key.name!r} (at most {self.settings.write_burst} "
                    f"at once, then {self.settings.write_refill_per_s:g}/s); "
                    f"retry in {retry_after_s} s",
                    field=API_KEY_HEADER,
                    headers={"Retry-After": str(retry_after_s)},
                )
        _state(connection.scope)[_KEY_STATE] = key

    def _take_write_token(self, key_name: str) -> float:
        return self.store.write_limits.take(
            key_name,
            burst=self.settings.write_burst,
            refill_per_s=self.settings.write_refill_per_s,
        )

    def _authenticate(
        self, connection: ASGIConnection[Any, Any, Any, Any], required: Role
    ) -> KeyInfo:
        challenge = {"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'}
        plaintext = connection.headers.get(API_KEY_HEADER)
        if not plaintext:
            raise ProblemException(
                401,
                f"this operation needs an API key (role {required.name.lower()} or higher) in "
                f"the {API_KEY_HEADER} header",
                field=API_KEY_HEADER,
                headers=challenge,
            )
        key = self.store.authenticate(plaintext)
        if key is None:
            # Says nothing about the key sent: it may be a real secret pasted in the wrong place.
            raise ProblemException(
                401,
                f"the {API_KEY_HEADER} header does not hold an active API key",
                field=API_KEY_HEADER,
                headers=challenge,
            )
        return key


def _state(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {})


def api_key(connection: ASGIConnection[Any, Any, Any, Any]) -> KeyInfo:
    """The key the guard authenticated; only on operations declaring ``requires(...)``."""
    key = _state(connection.scope).get(_KEY_STATE)
    if not isinstance(key, KeyInfo):
        raise RuntimeError(f"{connection.url.path}: handler reads the API key but needs no role")
    return key


def request_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    value = _state(connection.scope).get(_REQUEST_ID_STATE)
    return value if isinstance(value, str) else None


_PUBLIC = re.compile(r"\bpublic\b")


async def private_when_keyed(message: Message, scope: Scope) -> None:
    """``before_send`` hook: an answer given to a request the guard authenticated (every read
    when ``TCO_READS_REQUIRE_KEY=1``, every write) is for that key's holder only: ``private``
    instead of ``public`` (a shared cache or CDN must not hand it to a request without a key)
    and ``Vary: X-API-Key`` for the caches that still keep it."""
    if message["type"] == "http.response.start":
        keyed_private(MutableScopeHeaders.from_message(message), scope)


def keyed_private(headers: MutableScopeHeaders, scope: Scope) -> None:
    """What private_when_keyed does, on headers already parsed (tco.api.app's one hook)."""
    if _KEY_STATE not in scope.get("state", {}):
        return
    cache_control = headers.get("cache-control")
    if cache_control is None:
        headers["Cache-Control"] = "private"
    elif _PUBLIC.search(cache_control):
        headers["Cache-Control"] = _PUBLIC.sub("private", cache_control)
    elif "private" not in cache_control and "no-store" not in cache_control:
        headers["Cache-Control"] = f"private, {cache_control}"
    vary = headers.get("vary")
    headers["Vary"] = f"{vary}, {API_KEY_HEADER}" if vary else API_KEY_HEADER


# A generated id: 32 hex digits, like the uuid4().hex it replaces, at a fraction of its cost
# (one counter step, no urandom per request): 16 random digits drawn per process (workers and
# restarts differ) and a 16-digit count of this process' requests.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count(1)


def _new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


class RequestIdMiddleware:
    """Gives each HTTP request an id and returns it in ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        rid = sent if sent and _REQUEST_ID.fullmatch(sent) else _new_request_id()
        # A fresh state dict per request: servers may hand every request the same lifespan dict.
        scope["state"] = {**scope.get("state", {}), _REQUEST_ID_STATE: rid}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", rid.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)
