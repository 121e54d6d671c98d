"""Dependency markers. Validation is skipped: these are our own objects, not user input (and
``Store`` is a Protocol, which isinstance checks cannot take)."""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from tco.app.live import LiveService
from tco.app.service import Service
from tco.store import Store

# litestar 2.23+ markers; the older ``Dependency(skip_validation=True)`` warns at app creation.
ServiceDep = NamedDependency[SkipValidation[Service]]
# The same object, for the routes that need the store behind it (runs, changes, sync, catalog
# edits): the app is built on a LiveService (create_app's type), so no route downcasts.
LiveServiceDep = NamedDependency[SkipValidation[LiveService]]
StoreDep = NamedDependency[SkipValidation[Store]]
