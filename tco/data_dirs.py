"""Where the shipped data (``pricing/``, ``benchmarks/``) lives: inside the installed package
when tco was installed from a wheel (``setup.py`` copies it to ``tco/_shipped/``), at the
repository root in a source checkout (the editable install ``make`` does)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    installed = _PACKAGE / "_shipped" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name
