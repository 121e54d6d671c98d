"""The explorer at ``/``: one HTML page and its ES modules and stylesheet, from ``tco/explorer``.

No build step: plain modules with hand-drawn SVG, like the widget (and importing its drawing
helpers from ``/widget.js``). The page has no inline script or style, so its CSP allows only
same-origin files; ``blob:`` and ``data:`` images are what the PNG export draws through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from tco.api.http import with_head
from tco.api.static import page_csp, serve_file

EXPLORER_DIR = Path(__file__).resolve().parent.parent / "explorer"
# Every served file, by name: nothing else under /explorer/ answers.
EXPLORER_FILES = {p.name: p for p in sorted(EXPLORER_DIR.iterdir()) if p.suffix in (".js", ".css")}
EXPLORER_CSP = page_csp(img_src="'self' blob: data:")


@get(
    "/",
    operation_id="getExplorer",
    summary="The explorer: frontiers, costs, cheapest options, history, compare, pricing",
    include_in_schema=False,
    sync_to_thread=False,
)
def explorer_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    return serve_file(
        request, EXPLORER_DIR / "index.html", csp=EXPLORER_CSP, cache_control="no-cache"
    )


@get(
    "/explorer/{name:str}",
    operation_id="getExplorerAsset",
    summary="A module or stylesheet of the explorer",
    include_in_schema=False,
    sync_to_thread=False,
)
def explorer_asset(
    request: Request[Any, Any, Any], name: Annotated[str, Parameter(max_length=100)]
) -> Response[bytes]:
    path = EXPLORER_FILES.get(name)
    if path is None:
        raise NotFoundException(f"no such explorer file: {name}")
    # no-cache: the modules import each other by unversioned URLs; revalidation keeps them in step
    return serve_file(request, path, cache_control="no-cache")


EXPLORER_HANDLERS = [*with_head(explorer_page), *with_head(explorer_asset)]
