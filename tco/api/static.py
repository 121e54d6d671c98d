"""Static files of tco's own pages (the API docs, the explorer): served from the installed
package, with strong ETags (304 on revalidation), ``nosniff``, and for HTML pages a strict CSP
with no inline code at all: every script and style is a same-origin file."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from tco.api.http import _matches, strong_etag, with_head

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


def page_with_files(
    *,
    page_path: str,
    page: Path,
    page_summary: str,
    csp: str,
    page_cache_control: str,
    files_path: str,
    files: Mapping[str, Path],
    files_summary: str,
    files_cache_control: str = ASSET_CACHE_CONTROL,
    operation_prefix: str,
) -> list[HTTPRouteHandler]:
    """GET (and HEAD) routes for one of tco's pages and the files it loads: ``files_path`` ends
    in ``{name:str}``, and only the names in ``files`` answer (anything else is a 404)."""

    def serve_page(request: Request[Any, Any, Any]) -> Response[bytes]:
        return serve_file(request, page, csp=csp, cache_control=page_cache_control)

    def serve_named(
        request: Request[Any, Any, Any], name: Annotated[str, Parameter(max_length=100)]
    ) -> Response[bytes]:
        path = files.get(name)
        if path is None:
            raise NotFoundException(f"no such file of {page_path}: {name}")
        return serve_file(request, path, cache_control=files_cache_control)

    common: dict[str, Any] = {"include_in_schema": False, "sync_to_thread": False}
    return [
        *with_head(get(page_path, operation_id=f"get{operation_prefix}", summary=page_summary, **common)(serve_page)),
        *with_head(get(files_path, operation_id=f"get{operation_prefix}File", summary=files_summary, **common)(serve_named)),
    ]  # fmt: skip
