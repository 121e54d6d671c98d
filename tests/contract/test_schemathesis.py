"""Schemathesis against the COMMITTED contract (openapi/openapi.json), bound to the app in-process.

Every operation stateless (examples, coverage and fuzzing phases) plus the stateful run over the
links schemathesis infers; all default checks on, output sanitization off (failures must show
exactly what was sent). Requests carry an admin ``X-API-Key`` created in the test store, so
write operations are exercised as well as reads; writes are not rate-limited here.

Deliberate settings: schemathesis.toml, the project's (shared with the command line run against
a real server, tests/contract/test_schemathesis_live.py). Per operation, it lets
``positive_data_acceptance`` accept only what depends on data or state: 422 where a model,
workload, series or upload content the data lacks is named (DESIGN: 422 naming the field; the
keys are data, not an enum the schema could list), 412 for a stale If-Match; and
``missing_required_header`` accept 428 for a missing If-Match. Every rule between fields is in
the document, so a 400 or 422 elsewhere on schema-valid data fails.

The operations run as subtests of one test (``schemathesis.pytest.from_fixture``), not as one
pytest item each: with pytest 9.2, schemathesis 4.32 gives every per-operation item the same
node id, and pytest-xdist (``make test`` runs ``-n 2``) then runs only one of them.

Hypothesis profiles (env ``TCO_CONTRACT_PROFILE``): ``ci`` (default) keeps the contract suite
within a few minutes on 2 cores and is derandomized so a failure reproduces; ``deep`` explores
much more, with fresh randomness each run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.config import SchemathesisConfig

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import service_from_store
from tco.app.service import Service
from tco.store import Role

OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"

settings.register_profile(
    "contract-ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "contract-deep", settings.get_profile("contract-ci"), max_examples=500, derandomize=False
)
# Applied to these tests only (not loaded globally): the unit tests keep their own settings.
PROFILE = settings.get_profile("contract-" + os.environ.get("TCO_CONTRACT_PROFILE", "ci"))

# The project's settings, as the command line reads them (schemathesis.toml at the root): the
# same statuses per operation in-process and against a real server.
CONFIG = SchemathesisConfig.from_path(OPENAPI.parents[1] / "schemathesis.toml")
# The fuzzer sends hundreds of writes; throttled, all they would show is 429.
UNTHROTTLED = AuthSettings(write_burst=1_000_000, write_refill_per_s=1_000_000.0)


@dataclass
class Target:
    """The app under test on a fresh :memory: store, and an admin key in that store."""

    service: Service
    app: Litestar
    headers: dict[str, str]

    @classmethod
    def open(cls) -> Target:
        service = service_from_store(":memory:")
        key = service.tables.create_key("contract-admin", Role.ADMIN, actor="tests")  # type: ignore[attr-defined]
        app = create_app(service, service.tables, auth=UNTHROTTLED)  # type: ignore[arg-type]
        return cls(service, app, {"X-API-Key": key})

    def close(self) -> None:
        self.service.tables.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    opened = Target.open()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def contract(target: Target) -> Any:
    schema = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)
    schema.app = target.app
    return schema


CONTRACT = schemathesis.pytest.from_fixture("contract")


@pytest.fixture(autouse=True)
def _nodeid_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32 labels each operation's subtest through ``node._nodeid``, which pytest
    # 9.2 no longer has (node ids live in ``node._id``); without it the lazy run cannot start.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@settings(PROFILE)
@CONTRACT.parametrize()
def test_every_operation(case: Any, target: Target) -> None:
    case.call_and_validate(headers=target.headers)


def test_workflows(contract: Any) -> None:
    class Workflows(contract.as_state_machine()):  # type: ignore[misc]
        """Each scenario runs on a fresh store: the rules available to hypothesis depend on
        what earlier steps created, so state left by another scenario makes its replays (and
        shrinking) inconsistent."""

        def setup(self) -> None:
            self.target = Target.open()

        def teardown(self) -> None:
            self.target.close()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": self.target.headers, "app": self.target.app}

    Workflows.run(
        settings=settings(
            Workflows.TestCase.settings,
            max_examples=PROFILE.max_examples,
            derandomize=PROFILE.derandomize,
        )
    )
