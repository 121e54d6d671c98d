"""The layout rules of README's Development section: tests mirror the package, and every
package says what it exports."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import tco

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# Folders of tests that are not one package's: they run the whole thing from outside.
ACROSS_PACKAGES = {"contract", "e2e", "fixtures", "perf", "server", "tools", "__pycache__"}


def packages() -> list[str]:
    names = ["tco"]
    for module in pkgutil.walk_packages(tco.__path__, "tco."):
        if module.ispkg:
            names.append(module.name)
    return names


def test_every_package_declares_all_and_each_name_imports() -> None:
    found = packages()
    assert {"tco.domain", "tco.store", "tco.app", "tco.api", "tco.sync"} <= set(found)
    for name in found:
        package = importlib.import_module(name)
        assert isinstance(getattr(package, "__all__", None), list), f"{name} has no __all__"
        for exported in package.__all__:
            assert hasattr(package, exported) or importlib.import_module(f"{name}.{exported}")


def test_a_namespace_package_lists_every_module_it_holds() -> None:
    # tco, tco.domain and tco.sync re-export nothing: their __all__ is their modules, so a new
    # module that is not listed is a forgotten line, caught here.
    for name in ("tco", "tco.domain", "tco.sync"):
        package = importlib.import_module(name)
        held = {m.name for m in pkgutil.iter_modules(package.__path__)}
        assert set(package.__all__) == held, name


def test_tests_mirror_the_packages() -> None:
    folders = {p.name for p in TESTS.iterdir() if p.is_dir()}
    top_packages = {n.split(".")[1] for n in packages() if n.count(".") == 1}
    assert top_packages <= folders, top_packages - folders
    assert folders - top_packages <= ACROSS_PACKAGES, folders - top_packages - ACROSS_PACKAGES
    assert not list((ROOT / "tco").rglob("test_*.py"))  # no test inside the package
    for test in TESTS.glob("test_*.py"):  # a top-level test file tests a top-level module
        stem = test.stem.removeprefix("test_")
        assert stem == "layout" or any(
            stem == m or stem.startswith(f"{m}_") for m in tco.__all__
        ), test.name
