"""The repositories written once in portable SQL, run by both backends on their Database."""

from tco.store.sql.catalog import SqlCatalogEntries
from tco.store.sql.db import Connection, Cursor, Database
from tco.store.sql.jobs import SqlSyncLog, TableLeases
from tco.store.sql.keys import SqlApiKeys
from tco.store.sql.limits import SqlWriteLimits
from tco.store.sql.migrate import migrate, schema_version
from tco.store.sql.pricing import SqlPricingTables
from tco.store.sql.runs import SqlRuns

__all__ = [
    "Connection",
    "Cursor",
    "Database",
    "SqlApiKeys",
    "SqlCatalogEntries",
    "SqlPricingTables",
    "SqlRuns",
    "SqlSyncLog",
    "SqlWriteLimits",
    "TableLeases",
    "migrate",
    "schema_version",
]
