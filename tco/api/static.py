"""Static files of tco's own pages (the API docs, the explorer): served from the installed
package, with strong ETags (304 on revalidation), ``nosniff``, and for HTML pages a strict CSP
with no inline code at all: every script and style is a same-origin file."""

from __future__ import annotations

import base64
import hashlib
import re
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


def page_csp(
    page: str = "",
    *,
    frame_ancestors: str = "'none'",
    frame_src: str | None = None,
    img_src: str = "'self'",
) -> str:
    """A strict policy for one of tco's pages: scripts, styles and requests from this origin
    only, plus the page's own inline blocks (if any) by hash; framed by no one unless said."""

    def sources(tag: str) -> str:
        bodies = re.findall(rf"<{tag}(?: type=\"module\")?>(.*?)</{tag}>", page, re.DOTALL)
        hashes = [
            f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'"
            for b in bodies
        ]
        return " ".join(["'self'", *hashes])

    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {sources('script')}",
            f"style-src {sources('style')}",
            "connect-src 'self'",
            f"img-src {img_src}",
            *([f"frame-src {frame_src}"] if frame_src else []),
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {frame_ancestors}",
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
    }  # nosniff and Referrer-Policy: tco.api.http.security_headers, on every response
    if csp is not None:
        headers["Content-Security-Policy"] = csp
    media_type = MEDIA_TYPES[path.suffix]
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    return Response(content=body, headers=headers, media_type=media_type)
