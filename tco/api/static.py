"""Static files of tco's own pages (the API docs, the explorer): served from the installed
package, with strong ETags (304 on revalidation), ``nosniff``, and for HTML pages a strict CSP
with no inline code at all: every script and style is a same-origin file."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response

from tco.api.http import _matches, strong_etag

# Asset URLs carry no version: caches keep them 5 minutes, then revalidate with the ETag.
ASSET_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"
MEDIA_TYPES = {
    ".js": "text/javascript",  # RFC 9239; litestar adds the utf-8 charset
    ".css": "text/css",
    ".html": "text/html",
    ".png": "image/png",
}


def page_csp(*, connect_src: str = "'self'", img_src: str = "'self'") -> str:
    """Scripts, styles and requests from this origin only; no inline code, no framing."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src {connect_src}",
            f"img-src {img_src}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


@cache
def _read(path: Path) -> tuple[bytes, str]:
    body = path.read_bytes()
    return body, strong_etag(body)


def serve_file(
    request: Request[Any, Any, Any],
    path: Path,
    *,
    csp: str | None = None,
    cache_control: str = ASSET_CACHE_CONTROL,
) -> Response[bytes]:
    """``path`` must come from an allowlist, never from the URL as such."""
    body, etag = _read(path)
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    if csp is not None:
        headers["Content-Security-Policy"] = csp
    media_type = MEDIA_TYPES[path.suffix]
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    return Response(content=body, headers=headers, media_type=media_type)
