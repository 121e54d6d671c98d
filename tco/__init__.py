"""tco: cost per million tokens of LLM inference hardware, from measured benchmark frontiers
and versioned price tables. The packages are the layers (domain, store, ingest, sync, app,
api); the top-level modules are the CLI and the shipped data's loaders."""

__all__ = [
    "api",
    "app",
    "cli",
    "cli_admin",
    "cli_catalog",
    "cli_lists",
    "cli_parser",
    "cli_store",
    "cli_sync",
    "data_dirs",
    "domain",
    "ingest",
    "json_depth",
    "lru",
    "report_html",
    "shipped_fx",
    "shipped_pricing",
    "store",
    "sync",
    "tabular",
]
