"""Generated clients for the contract tests: ``scripts/make_clients.sh`` run once, the way
``make clients`` runs it (it regenerates only when openapi/openapi.json changed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"


def make_clients() -> Path:
    """The ``clients/`` folder, up to date with the committed document."""
    made = subprocess.run(
        ["bash", str(ROOT / "scripts" / "make_clients.sh")],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    return CLIENTS
