"""Every route handler of the app, by area. Add a new area's handler list here."""

from __future__ import annotations

from typing import Any

from tco.api.docs import docs_page
from tco.api.pricing import PRICING_READ_HANDLERS
from tco.api.reads import READ_HANDLERS

ROUTE_HANDLERS: list[Any] = [
    *READ_HANDLERS,
    *PRICING_READ_HANDLERS,
    docs_page,
]
