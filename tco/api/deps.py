"""Dependency markers. Validation is skipped: these are our own objects, not user input (and
``Store`` is a Protocol, which isinstance checks cannot take)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Dependency

from tco.service import Service
from tco.store import Store

ServiceDep = Annotated[Service, Dependency(skip_validation=True)]
StoreDep = Annotated[Store, Dependency(skip_validation=True)]
