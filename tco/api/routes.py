"""Every route handler of the app, by area. Add a new area's handler list here."""

from __future__ import annotations

from typing import Any

from tco.api.catalog_edit import CATALOG_EDIT_HANDLERS
from tco.api.changes import CHANGES_HANDLERS
from tco.api.docs import DOCS_HANDLERS
from tco.api.explorer import EXPLORER_HANDLERS
from tco.api.history import HISTORY_HANDLERS
from tco.api.pricing import PRICING_READ_HANDLERS, PRICING_WRITE_HANDLERS
from tco.api.procurement import PROCUREMENT_HANDLERS
from tco.api.reads import READ_HANDLERS
from tco.api.report import REPORT_HANDLERS
from tco.api.runs import RUN_HANDLERS
from tco.api.widget import WIDGET_HANDLERS

ROUTE_HANDLERS: list[Any] = [
    *READ_HANDLERS,
    *REPORT_HANDLERS,
    *CATALOG_EDIT_HANDLERS,
    *PRICING_READ_HANDLERS,
    *RUN_HANDLERS,
    *HISTORY_HANDLERS,
    *CHANGES_HANDLERS,
    *PRICING_WRITE_HANDLERS,
    *PROCUREMENT_HANDLERS,
    *DOCS_HANDLERS,
    *WIDGET_HANDLERS,
    *EXPLORER_HANDLERS,
]
