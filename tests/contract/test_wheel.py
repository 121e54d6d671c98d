"""A wheel of tco carries the shipped data: installed from it, with no source checkout around,
the service loads the same benchmarks, pricing tables, catalog and API prices as here.

The wheel is built from a copy of the tracked files, without build isolation (the dev extras
install the setuptools it needs), so the test downloads nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tco.app.service import shipped_service

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, tco
from tco.app.service import shipped_service
s = shipped_service()
print(json.dumps({"tco": tco.__file__, "points": s.index.points.height,
                  "dataset_version": s.index.dataset_version, "tables": sorted(s.tables.names()),
                  "hardware": sorted(s.hardware_catalog), "api_prices": len(s.api_prices)}))
"""


def test_an_installed_wheel_serves_the_shipped_data(tmp_path: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    source = tmp_path / "src"
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("tco-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(installed)
    assert "tco/_shipped/pricing/tables.json" in names
    assert "tco/_shipped/pricing/fx/ecb-2026-10-30.csv" in names
    assert "tco/_shipped/benchmarks/inferencex_api_dsr1_latest.json" in names
    assert "tco/widget/widget.js" in names

    # Away from the checkout: the extracted wheel first on the path, dependencies from this venv.
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path, env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    got = json.loads(probe.stdout)
    assert Path(got["tco"]).is_relative_to(installed)
    here = shipped_service()
    assert got == {
        "tco": got["tco"],
        "points": here.index.points.height,
        "dataset_version": here.index.dataset_version,
        "tables": sorted(here.tables.names()),  # type: ignore[attr-defined]
        "hardware": sorted(here.hardware_catalog),
        "api_prices": len(here.api_prices),
    }
