"""The outside run: the ``schemathesis`` command line against a real ``tco serve``.

The same command as schemathesis.toml's header (every check, every phase, an admin key), run
from the repository root so that the project's schemathesis.toml applies, against the schema
the server itself serves over a socket. Bounded for the suite (few examples per operation, a
fixed seed so a failure reproduces); without the bounds it is the command to run by hand.
Writes are unthrottled here, as in the in-process run: throttled, most of them would only
show 429.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.harness import create_key, running_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
MAX_EXAMPLES = os.environ.get("TCO_LIVE_SCHEMATHESIS_EXAMPLES", "8")


def test_schemathesis_command_line_finds_nothing(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/tco.db"
    key = create_key(database, "schemathesis", "admin")
    unthrottled = {"TCO_WRITE_BURST": "1000000", "TCO_WRITE_RATE_PER_S": "1000000"}
    with running_server(
        database, tmp_path / "server.log", shipped_data=True, **unthrottled
    ) as server:
        done = subprocess.run(
            [SCHEMATHESIS, "run", f"{server.url}/schema/openapi.json", "--checks", "all",
             "--phases", "examples,coverage,fuzzing,stateful", "-H", f"X-API-Key: {key}",
             "--max-examples", MAX_EXAMPLES, "--seed", "11", "--no-color"],
            check=False, cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        log = server.log.read_text()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-20_000:]
    assert "Traceback" not in log, log[-10_000:]
