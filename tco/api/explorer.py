"""The explorer at ``/``: one HTML page and its ES modules and stylesheet, from ``tco/explorer``.

No build step: plain modules with hand-drawn SVG, like the widget (and importing its drawing
helpers from ``/widget.js``). The page has no inline script or style, so its CSP allows only
same-origin files; ``blob:`` and ``data:`` images are what the PNG export draws through.
"""

from __future__ import annotations

from pathlib import Path

from tco.api.static import page_csp, page_with_files

EXPLORER_DIR = Path(__file__).resolve().parent.parent / "explorer"
# Every served file, by name: nothing else under /explorer/ answers.
EXPLORER_FILES = {p.name: p for p in sorted(EXPLORER_DIR.iterdir()) if p.suffix in (".js", ".css")}
EXPLORER_HANDLERS = page_with_files(
    page_path="/",
    page=EXPLORER_DIR / "index.html",
    page_summary="The explorer: frontiers, costs, cheapest options, history, compare, pricing",
    csp=page_csp(img_src="'self' blob: data:"),
    page_cache_control="no-cache",
    files_path="/explorer/{name:str}",
    files=EXPLORER_FILES,
    files_summary="A module or stylesheet of the explorer",
    # no-cache: the modules import each other by unversioned URLs; revalidation keeps them in step
    files_cache_control="no-cache",
    operation_prefix="Explorer",
)
