"""Schemathesis against the COMMITTED contract (openapi/openapi.json), bound to the app in-process.

Every operation stateless (examples, coverage and fuzzing phases) plus the stateful run over the
links schemathesis infers; all default checks on, output sanitization off (failures must show
exactly what was sent). Requests carry an admin ``X-API-Key`` created in the test store, so
write operations are exercised as well as reads.

Deliberate settings: ``positive_data_acceptance`` also accepts 422, 412 and 428. A schema-valid
request for a model, workload or hardware the dataset does not hold is answerable only with
"unknown model" (DESIGN: 422 naming the field); the keys are data, not an enum the schema
could list. 412 and 428 answer a write whose If-Match names a stale version or is missing:
like 404 and 409 in schemathesis' defaults, they depend on the server's state, not on the
request's shape. A 400 on schema-valid data still fails: 400 means "breaks the document"
(tco.api.errors). ``missing_required_header`` also accepts 428 for the same reason.

Hypothesis profiles (env ``TCO_CONTRACT_PROFILE``): ``ci`` (default) keeps the contract suite
within a few minutes on 2 cores and is derandomized so a failure reproduces; ``deep`` explores
much more, with fresh randomness each run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app_state import service_from_store
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

CONFIG = SchemathesisConfig.from_dict(
    {
        "output": {"sanitization": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": [
                    *("2xx", "3xx", "401", "403", "404", "409", "429", "5xx"),  # the defaults
                    *("412", "422", "428"),
                ]
            },
            "missing_required_header": {
                "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
            },
        },
    }
)
CONTRACT = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)

# The app under test: built once per module (a fresh :memory: store), closed at module teardown.
_SERVICE = service_from_store(":memory:")
ADMIN_KEY = _SERVICE.tables.create_key("contract-admin", Role.ADMIN, actor="tests")  # type: ignore[attr-defined]
# Unthrottled writes: the fuzzer sends hundreds, and a 429 is all a throttled write would show.
UNTHROTTLED = AuthSettings(write_burst=1_000_000, write_refill_per_s=1_000_000.0)
CONTRACT.app = create_app(_SERVICE, _SERVICE.tables, auth=UNTHROTTLED)  # type: ignore[arg-type]
AUTH = {"X-API-Key": ADMIN_KEY}


@pytest.fixture(scope="module", autouse=True)
def _close_store() -> Iterator[None]:
    yield
    _SERVICE.tables.close()  # type: ignore[attr-defined]


@CONTRACT.parametrize()
@settings(PROFILE)
def test_operation(case: Any) -> None:
    case.call_and_validate(headers=AUTH)


class Workflows(CONTRACT.as_state_machine()):  # type: ignore[misc]
    """Each scenario runs on a fresh store: the rules available to hypothesis depend on what
    earlier steps created, so state left over from another scenario makes its replays (and
    shrinking) inconsistent."""

    def setup(self) -> None:
        self.service = service_from_store(":memory:")
        key = self.service.tables.create_key("contract-admin", Role.ADMIN, actor="tests")  # type: ignore[attr-defined]
        self.kwargs = {
            "headers": {"X-API-Key": key},
            "app": create_app(self.service, self.service.tables, auth=UNTHROTTLED),  # type: ignore[arg-type]
        }

    def teardown(self) -> None:
        self.service.tables.close()  # type: ignore[attr-defined]

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return self.kwargs


TestWorkflows = Workflows.TestCase
TestWorkflows.settings = settings(
    TestWorkflows.settings, max_examples=PROFILE.max_examples, derandomize=PROFILE.derandomize
)
