"""``/docs``: the interactive API reference (Swagger UI), offline and under a strict CSP.

Swagger UI's files come from the ``swagger-ui-bundle-v2`` package (byte-identical to the
``swagger-ui-dist`` npm release it names), installed from the hash-pinned lock: nothing is
fetched from a CDN. The page has no inline script or style: ``docs.js`` starts Swagger UI on
the served ``/schema/openapi.json``, whose servers entry is ``/``, so "Try it out" calls this
very server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from swagger_ui_bundle import swagger_ui_path

from tco.api.http import with_head
from tco.api.static import page_csp, serve_file

OWN_ASSETS = Path(__file__).resolve().parent / "docs_assets"
SWAGGER_UI = Path(str(swagger_ui_path))
# Served names -> files; nothing else under /docs/assets answers.
DOCS_ASSETS = {
    "swagger-ui-bundle.js": SWAGGER_UI / "swagger-ui-bundle.js",
    "swagger-ui.css": SWAGGER_UI / "swagger-ui.css",
    "favicon-32x32.png": SWAGGER_UI / "favicon-32x32.png",
    "docs.js": OWN_ASSETS / "docs.js",
    "docs.css": OWN_ASSETS / "docs.css",
}
# Swagger UI draws its icons from data: URIs in its stylesheet.
DOCS_CSP = page_csp(img_src="'self' data:")


@get(
    "/docs",
    operation_id="getDocs",
    summary="Interactive API reference (Swagger UI, works offline)",
    include_in_schema=False,
    sync_to_thread=False,
)
def docs_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    return serve_file(
        request, OWN_ASSETS / "docs.html", csp=DOCS_CSP, cache_control="public, max-age=300"
    )


@get(
    "/docs/assets/{name:str}",
    operation_id="getDocsAsset",
    summary="A script, stylesheet or icon of the API reference page",
    include_in_schema=False,
    sync_to_thread=False,
)
def docs_asset(
    request: Request[Any, Any, Any], name: Annotated[str, Parameter(max_length=100)]
) -> Response[bytes]:
    path = DOCS_ASSETS.get(name)
    if path is None:
        raise NotFoundException(f"no such docs asset: {name}")
    return serve_file(request, path)


DOCS_HANDLERS = [*with_head(docs_page), *with_head(docs_asset)]
