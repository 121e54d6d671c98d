"""Sync clients: public benchmark sources pulled into the store (tco sync, tco serve --sync)."""
