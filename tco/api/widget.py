"""The embeddable cost widget: the script, the iframe page, the demo page, and the framing policy.

Only ``/embed`` may be framed, by any origin (that is its purpose); every other response refuses
framing (clickjacking), which ``frame_guard`` adds to every response that does not set its own
policy. Pages carry a strict CSP: their few inline blocks are allowed by hash, never by
'unsafe-inline'.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.params import Parameter
from litestar.types import Message, Scope

from tco.api.http import _matches, strong_etag
from tco.api.static import page_csp

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
JS_MEDIA_TYPE = "text/javascript"  # RFC 9239; litestar adds the utf-8 charset
# widget.js has no version in its URL: caches keep it 5 minutes, then revalidate with the ETag.
SCRIPT_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"
PAGE_CACHE_CONTROL = "public, max-age=300"
# Every response that is not one of our pages (JSON, CSV, the framework's error pages) loads
# nothing and may not be framed.
DENY_FRAMING = "default-src 'none'; frame-ancestors 'none'"

Text = Annotated[str | None, Parameter(max_length=100)]


async def frame_guard(message: Message, scope: Scope) -> None:
    """``before_send`` hook: a response without its own CSP loads nothing and may not be
    framed by anyone."""
    if message["type"] == "http.response.start":
        guard_framing(MutableScopeHeaders.from_message(message))


def guard_framing(headers: MutableScopeHeaders) -> None:
    """What frame_guard does, on headers already parsed (tco.api.app's one hook)."""
    if "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = DENY_FRAMING
    if "frame-ancestors *" not in headers["content-security-policy"]:
        headers["X-Frame-Options"] = "DENY"


@cache
def _script() -> tuple[bytes, str]:
    body = (WIDGET_DIR / "widget.js").read_bytes()
    return body, strong_etag(body)


@cache
def _page(name: str) -> str:
    return (WIDGET_DIR / name).read_text(encoding="utf-8")


@cache
def _csp_for(name: str, frame_ancestors: str, frame_src: str | None) -> str:
    return page_csp(_page(name), frame_ancestors=frame_ancestors, frame_src=frame_src)


def _security_headers(csp: str, cache_control: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "Cache-Control": cache_control,
    }  # nosniff and Referrer-Policy: tco.api.http.security_headers, on every response


@get(
    "/widget.js",
    operation_id="getWidgetScript",
    summary="The <tco-cost-widget> custom element (an ES module)",
    include_in_schema=False,
    sync_to_thread=False,
)
def widget_script(request: Request[Any, Any, Any]) -> Response[bytes]:
    body, etag = _script()
    headers = {
        "ETag": etag,
        "Cache-Control": SCRIPT_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        # Host pages isolated with COEP may still load it.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=JS_MEDIA_TYPE)
    return Response(content=body, headers=headers, media_type=JS_MEDIA_TYPE)


@get(
    "/embed",
    operation_id="getWidgetEmbed",
    summary="The widget as a page to put in an iframe (any origin may frame it)",
    include_in_schema=False,
    sync_to_thread=False,
)
def widget_embed(
    model: Annotated[str, Parameter(min_length=1, max_length=100)],
    isl: Text = None,
    osl: Text = None,
    target: Text = None,
    pricing: Text = None,
    demand_kind: Text = None,
    demand_value: Text = None,
    offer_kinds: Text = None,
    providers: Text = None,
    regions: Text = None,
    max_price_age_days: Text = None,
    exclude_placeholder_prices: Text = None,
    min_commitment_months: Text = None,
    max_commitment_months: Text = None,
) -> Response[str]:
    """The element's attributes come from the query; the widget itself validates them against
    the API and shows any problem in words."""
    values = {
        "model": model, "isl": isl, "osl": osl, "target": target, "pricing": pricing,
        "demand-kind": demand_kind, "demand-value": demand_value,
        # offer filters, as GET /v1/quotes takes them
        "offer-kinds": offer_kinds, "providers": providers, "regions": regions,
        "max-price-age-days": max_price_age_days, "exclude-placeholder-prices": exclude_placeholder_prices,
        "min-commitment-months": min_commitment_months, "max-commitment-months": max_commitment_months,
    }  # fmt: skip
    attributes = " ".join(
        f'{name}="{html.escape(value, quote=True)}"'
        for name, value in values.items()
        if value is not None
    )
    template = _page("embed.html")
    return Response(
        content=template.replace("$attributes", attributes),
        media_type=MediaType.HTML,
        headers=_security_headers(_csp_for("embed.html", "*", None), PAGE_CACHE_CONTROL),
    )


@get(
    "/widget",
    operation_id="getWidgetDemo",
    summary="Demo page of the cost widget, with both embedding snippets",
    include_in_schema=False,
    sync_to_thread=False,
)
def widget_demo() -> Response[str]:
    return Response(
        content=_page("demo.html"),
        media_type=MediaType.HTML,
        headers=_security_headers(_csp_for("demo.html", "'none'", "'self'"), PAGE_CACHE_CONTROL),
    )


WIDGET_HANDLERS = [widget_script, widget_embed, widget_demo]
