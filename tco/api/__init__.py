"""The HTTP layer: litestar handlers that translate requests into use-case calls (tco.app) and
answers into responses, with the one error shape, the HTTP caches and the OpenAPI document.

``create_app`` (tco.api.app) builds the app; ``routes`` lists every handler by area. Loaded on
first use, so importing one module of the package does not build the whole app's imports.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "openapi_json"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tco.api import app

        return getattr(app, name)
    raise AttributeError(f"module 'tco.api' has no attribute {name!r}")
