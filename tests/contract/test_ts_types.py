"""The generated TypeScript types (``make clients``) type-check a real call, and reject wrong ones.

``tsc --strict --noEmit`` (TypeScript pinned in tools/ts/package-lock.json) compiles
tools/ts/example.ts against clients/ts/schema.d.ts. The negative cases prove the types are real:
a misspelled response field and a missing null check must not compile.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.contract.clients import make_clients

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TS_DIR = ROOT / "tools" / "ts"
TSC = TS_DIR / "node_modules" / ".bin" / "tsc"
EXAMPLE = TS_DIR / "example.ts"
READ = "quote.targets[0].options.find((o) => o.rank === 1)?.usd_per_million_tokens"


@pytest.fixture(scope="module")
def schema() -> Path:
    return make_clients() / "ts" / "schema.d.ts"


def _tsc(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TSC), "--strict", "--noEmit", "--project", str(project)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_typed_example_compiles(schema: Path) -> None:
    assert READ in EXAMPLE.read_text()
    assert 'paths["/v1/quotes"]["get"]' in EXAMPLE.read_text()
    checked = _tsc(TS_DIR)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("broken_read", "error"),
    [
        (
            "quote.targets[0].options.find((o) => o.rank === 1)?.usd_per_milion_tokens",
            "error TS2551",
        ),  # misspelled
        (
            "quote.targets[0].options.find((o) => o.rank === 1).usd_per_million_tokens",
            "error TS2532",
        ),  # possibly undefined
    ],
)
def test_a_wrong_read_does_not_compile(
    schema: Path, tmp_path: Path, broken_read: str, error: str
) -> None:
    relative_import = '"../../clients/ts/schema"'
    source = EXAMPLE.read_text()
    assert relative_import in source
    source = source.replace(relative_import, json.dumps(str(schema.parent / "schema")))
    (tmp_path / "example.ts").write_text(source.replace(READ, broken_read))
    (tmp_path / "tsconfig.json").write_text(
        json.dumps({"extends": str(TS_DIR / "tsconfig.json"), "files": ["example.ts"]})
    )
    checked = _tsc(tmp_path)
    assert checked.returncode != 0
    assert error in checked.stdout, checked.stdout + checked.stderr
