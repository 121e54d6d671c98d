"""The litestar app factory. Thin: wiring, dependencies, error handling, CORS, body limits."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Contact, SecurityScheme, Server
from litestar.types import Message, Scope

from tco.api.auth import (
    API_KEY_HEADER,
    SECURITY_SCHEME,
    Authorizer,
    AuthSettings,
    RequestIdMiddleware,
    keyed_private,
)
from tco.api.errors import EXCEPTION_HANDLERS
from tco.api.http import add_security_headers, options_with_allow
from tco.api.limits import check_json_body, guard
from tco.api.openapi_docs import describe
from tco.api.openapi_schema import MsgspecStructSchemaPlugin
from tco.api.routes import ROUTE_HANDLERS
from tco.api.widget import guard_framing
from tco.app.live import LiveService
from tco.store import Store

API_VERSION = "1.0.0"
MAX_BODY_BYTES = 10 * 1024 * 1024  # a run upload of ~50k rows fits; beyond that: 413


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="tco",
        version=API_VERSION,
        description="Cost per million tokens for LLM inference hardware: measured benchmark frontiers x versioned price tables.",
        contact=Contact(name="tco"),
        servers=[Server(url="/")],
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        use_handler_docstrings=True,
        components=Components(
            security_schemes={
                SECURITY_SCHEME: SecurityScheme(
                    type="apiKey",
                    name=API_KEY_HEADER,
                    security_scheme_in="header",
                    description="Created with `tco keys create --name N --role viewer|editor|admin`",
                )
            }
        ),
    )


async def response_headers(message: Message, scope: Scope) -> None:
    """The one ``before_send`` hook: frame_guard, security_headers and private_when_keyed in
    that order on headers parsed once (three hooks cost three parses and six calls a response)."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    guard_framing(headers)
    add_security_headers(headers)
    keyed_private(headers, scope)


def create_app(
    service: LiveService,
    store: Store,
    *,
    extra_handlers: list[Any] | None = None,
    auth: AuthSettings | None = None,
) -> Litestar:
    """The app on a store-backed ``service`` (reads, and the routes that need its store: runs,
    changes, sync, catalog edits). ``auth`` defaults to the environment (TCO_READS_REQUIRE_KEY, TCO_WRITE_BURST,
    TCO_WRITE_RATE_PER_S)."""
    handlers = [*ROUTE_HANDLERS, *(extra_handlers or [])]
    options, bind_options = options_with_allow(handlers)
    authorizer = Authorizer(store, auth if auth is not None else AuthSettings.from_env())
    app = Litestar(
        route_handlers=[options, *handlers],
        dependencies={
            "service": Provide(lambda: service, sync_to_thread=False, use_cache=True),
            "store": Provide(lambda: store, sync_to_thread=False, use_cache=True),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[RequestIdMiddleware],
        before_request=check_json_body,  # JSON nesting depth, before any route decodes
        # only /embed may be framed; nosniff and Referrer-Policy everywhere; keyed answers private
        before_send=[response_headers],
        cors_config=CORSConfig(
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_credentials=False,
            expose_headers=["ETag"],
        ),
        openapi_config=openapi_config(),
        plugins=[MsgspecStructSchemaPlugin()],
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
    bind_options(app)
    authorizer.bind(app)  # on the handlers that need a key only
    guard(app)  # request-head limits before anything else; CORS refusals as problems
    describe(app.openapi_schema)  # the words every operation and parameter is served with
    return app


def openapi_json() -> bytes:
    """The OpenAPI document of the app, deterministic (sorted keys), as committed in openapi/."""
    from tco.app.live import service_from_store

    service = service_from_store(":memory:")
    app = create_app(service, service.tables)  # type: ignore[arg-type]
    schema = app.openapi_schema.to_schema()
    service.tables.close()  # type: ignore[attr-defined]
    return msgspec.json.format(msgspec.json.encode(schema, order="sorted"), indent=2) + b"\n"
