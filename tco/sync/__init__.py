"""Sync clients: public benchmark sources pulled into the store (tco sync, tco serve --sync).
Nothing is re-exported: import the module."""

__all__ = [
    "client",
    "runner",
    "schedule",
]
