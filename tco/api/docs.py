"""``/docs``: the interactive API reference (Swagger UI), offline and under a strict CSP.

Swagger UI's files come from the ``swagger-ui-bundle-v2`` package (byte-identical to the
``swagger-ui-dist`` npm release it names), installed from the hash-pinned lock: nothing is
fetched from a CDN. The page has no inline script or style: ``docs.js`` starts Swagger UI on
the served ``/schema/openapi.json``, whose servers entry is ``/``, so "Try it out" calls this
very server.
"""

from __future__ import annotations

from pathlib import Path

from swagger_ui_bundle import swagger_ui_path

from tco.api.static import page_csp, page_with_files

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
DOCS_HANDLERS = page_with_files(
    page_path="/docs",
    page=OWN_ASSETS / "docs.html",
    page_summary="Interactive API reference (Swagger UI, works offline)",
    # Swagger UI draws its icons from data: URIs in its stylesheet.
    csp=page_csp(img_src="'self' data:"),
    page_cache_control="public, max-age=300",
    files_path="/docs/assets/{name:str}",
    files=DOCS_ASSETS,
    files_summary="A script, stylesheet or icon of the API reference page",
    operation_prefix="Docs",
)
