"""Only what pyproject.toml cannot say: a wheel carries the shipped data.

``pricing/`` and ``benchmarks/`` sit at the repository root (reviewed as data, next to their
READMEs); a built wheel copies them to ``tco/_shipped/`` so an installed tco finds them
(``tco.data_dirs``). Editable installs read them in place."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("pricing", "benchmarks")


class BuildWithShippedData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in SHIPPED:
            shutil.copytree(
                Path(__file__).parent / name,
                Path(self.build_lib) / "tco" / "_shipped" / name,
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildWithShippedData})
