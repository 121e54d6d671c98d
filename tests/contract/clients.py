"""Generated clients for the contract tests: ``make clients`` run once, as a user runs it (it
regenerates only when openapi/openapi.json changed), and checked to leave every tracked file as
it was: the clients come from the committed document, never from a regenerated one."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"


def _tracked_changes() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


def make_clients() -> Path:
    """The ``clients/`` folder, up to date with the committed document."""
    before = _tracked_changes()
    made = subprocess.run(
        ["make", "--no-print-directory", "clients"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert _tracked_changes() == before, "make clients modified tracked files"
    return CLIENTS
