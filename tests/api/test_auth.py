"""API keys and roles, the reads-need-a-key setting, per-key write rate limits, request ids, and
the ``tco keys`` commands."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.cli import main
from tco.store import SqliteStore
from tests.api.pricing_support import AWS_H100, NEBIUS_H200, TABLE, Api, make_api
from tests.api.problems import problem as problem_of

URL = f"/v1/pricing/tables/{TABLE}"
BODY = {"name": TABLE, "offers": [AWS_H100]}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path) as api:
        yield api


def test_a_write_without_a_key_is_401_with_a_challenge(api: Api) -> None:
    response = api.client.post("/v1/pricing/tables", json=BODY)
    problem = problem_of(response, 401)
    assert problem["field"] == "X-API-Key"
    assert problem["detail"] == (
        "this operation needs an API key (role editor or higher) in the X-API-Key header"
    )
    assert response.headers["www-authenticate"] == 'ApiKey header="X-API-Key"'
    assert TABLE not in [t.name for t in api.store.list_tables()]


@pytest.mark.parametrize(
    "key",
    ["tco_not-a-real-key", "", "Bearer tco_x", "x" * 300],
    ids=["unknown", "empty", "bearer", "long"],
)
def test_an_invalid_key_is_401_and_never_echoed(api: Api, key: str) -> None:
    response = api.client.post("/v1/pricing/tables", json=BODY, headers={"X-API-Key": key})
    problem = problem_of(response, 401)
    assert problem["field"] == "X-API-Key"
    if key:
        assert key not in response.text


def test_a_revoked_key_is_401(api: Api) -> None:
    api.store.revoke_key("editor-key")
    problem_of(
        api.client.post("/v1/pricing/tables", json=BODY, headers=api.headers(api.editor)), 401
    )


def test_roles_viewer_cannot_write_editor_cannot_delete_admin_can(api: Api) -> None:
    viewer = problem_of(
        api.client.post("/v1/pricing/tables", json=BODY, headers=api.headers(api.viewer)), 403
    )
    assert (
        viewer["detail"]
        == "this operation needs role editor or higher; key 'viewer-key' has role viewer"
    )
    etag = api.create()
    editor = api.client.delete(URL, headers=api.headers(api.editor, **{"If-Match": etag}))
    assert (
        problem_of(editor, 403)["detail"]
        == "this operation needs role admin or higher; key 'editor-key' has role editor"
    )
    assert (
        api.client.put(
            URL,
            json={"offers": [NEBIUS_H200]},
            headers=api.headers(api.admin, **{"If-Match": etag}),
        ).status_code
        == 200
    )
    assert (
        api.client.delete(
            URL, headers=api.headers(api.admin, **{"If-Match": f'"{TABLE}-v2"'})
        ).status_code
        == 204
    )


def test_reads_are_open_by_default(api: Api) -> None:
    assert api.client.get("/v1/pricing/tables").status_code == 200
    assert api.client.get("/v1/catalog").status_code == 200


def test_a_setting_makes_reads_need_a_viewer_key(tmp_path: Path) -> None:
    with make_api(tmp_path, auth=AuthSettings(reads_require_key=True)) as api:
        for path in ("/v1/pricing/tables", "/v1/catalog", f"/v1/pricing/tables/{TABLE}"):
            assert problem_of(api.client.get(path), 401)["field"] == "X-API-Key"
        assert (
            api.client.get("/v1/pricing/tables", headers=api.headers(api.viewer)).status_code == 200
        )
        quote = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [30]}
        problem_of(api.client.post("/v1/quotes", json=quote), 401)
        # Liveness and the API description reveal no prices: open.
        assert api.client.get("/healthz").status_code == 200
        assert api.client.get("/schema/openapi.json").status_code == 200


def test_the_environment_sets_reads_and_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCO_READS_REQUIRE_KEY", "1")
    monkeypatch.setenv("TCO_WRITE_BURST", "5")
    monkeypatch.setenv("TCO_WRITE_RATE_PER_S", "0.5")
    assert AuthSettings.from_env() == AuthSettings(
        reads_require_key=True, write_burst=5, write_refill_per_s=0.5
    )
    monkeypatch.setenv("TCO_WRITE_BURST", "many")
    with pytest.raises(ValueError, match="TCO_WRITE_BURST"):
        AuthSettings.from_env()
    monkeypatch.setenv("TCO_WRITE_BURST", "0")
    with pytest.raises(ValueError, match="write_burst must be >= 1"):
        AuthSettings.from_env()


def test_create_app_reads_the_environment_when_not_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from litestar.testing import TestClient

    from tco.app.live import service_from_store

    monkeypatch.setenv("TCO_READS_REQUIRE_KEY", "1")
    service = service_from_store(f"sqlite:///{tmp_path / 'db'}", shipped_data=False)
    try:
        with TestClient(create_app(service, service.store)) as client:
            assert client.get("/v1/pricing/tables").status_code == 401
    finally:
        service.store.close()


# --------------------------------------------------------------------------- rate limit


def test_writes_beyond_the_burst_get_429_with_retry_after(tmp_path: Path) -> None:
    with make_api(tmp_path, auth=AuthSettings(write_burst=2, write_refill_per_s=0.01)) as api:
        etag = api.create()
        put = api.client.put(
            URL,
            json={"offers": [NEBIUS_H200]},
            headers=api.headers(api.editor, **{"If-Match": etag}),
        )
        assert put.status_code == 200
        limited = api.client.put(
            URL,
            json={"offers": [AWS_H100]},
            headers=api.headers(api.editor, **{"If-Match": f'"{TABLE}-v2"'}),
        )
        problem = problem_of(limited, 429)
        assert limited.headers["retry-after"] == "100"  # one token at 0.01/s
        assert problem["field"] == "X-API-Key"
        assert "editor-key" in str(problem["detail"])
        assert len(api.store.list_versions(TABLE)) == 2  # the limited write did nothing
        # Per key, and only writes: the admin key still writes, reads are never limited.
        assert (
            api.client.delete(
                URL, headers=api.headers(api.admin, **{"If-Match": f'"{TABLE}-v2"'})
            ).status_code
            == 204
        )
        assert all(api.client.get(URL, params={"version": 1}).status_code == 200 for _ in range(5))


# --------------------------------------------------------------------------- request ids


def test_a_well_formed_request_id_is_echoed_and_audited(api: Api) -> None:
    response = api.client.post(
        "/v1/pricing/tables",
        json=BODY,
        headers=api.headers(api.editor, **{"X-Request-ID": "01J9ZK:trace-42"}),
    )
    assert response.headers["x-request-id"] == "01J9ZK:trace-42"
    assert api.store.list_audit(limit=1)[0].request_id == "01J9ZK:trace-42"
    assert api.store.list_versions(TABLE)[0].request_id == "01J9ZK:trace-42"


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 129, "semi;colon"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_generated_one(
    api: Api, sent: str | None
) -> None:
    headers = api.headers(api.editor, **({"X-Request-ID": sent} if sent is not None else {}))
    response = api.client.post("/v1/pricing/tables", json=BODY, headers=headers)
    generated = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert api.store.list_audit(limit=1)[0].request_id == generated
    # Errors carry one too.
    assert re.fullmatch(
        r"[0-9a-f]{32}", api.client.get("/v1/pricing/tables/nope").headers["x-request-id"]
    )


def test_keys_never_reach_the_logs_or_the_answers(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [api.admin, api.editor, api.viewer]
    responses = [
        api.client.post("/v1/pricing/tables", json=BODY, headers=api.headers(api.editor)),
        api.client.post("/v1/pricing/tables", json=BODY, headers=api.headers(api.editor)),  # 409
        api.client.post("/v1/pricing/tables", json=BODY, headers=api.headers(api.viewer)),  # 403
        api.client.delete(
            URL, headers=api.headers(api.editor, **{"If-Match": f'"{TABLE}-v1"'})
        ),  # 403
        api.client.delete(
            URL, headers=api.headers(api.admin, **{"If-Match": f'"{TABLE}-v9"'})
        ),  # 412
        api.client.delete(
            URL, headers=api.headers(api.admin, **{"If-Match": f'"{TABLE}-v1"'})
        ),  # 204
    ]
    assert [r.status_code for r in responses] == [201, 409, 403, 403, 412, 204]
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    exposed = logged + "".join(r.text + str(r.headers) for r in responses)
    exposed += repr(api.store.list_audit(limit=100)) + repr(api.store.list_keys())
    for secret in secrets:
        assert secret not in exposed
        assert secret[12:] not in exposed  # past the display prefix, nothing


# ------------------------------------------------------------------------------ tco keys


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_keys_create_prints_the_key_last_and_list_and_revoke_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    code, out, _ = _cli(
        capsys, "keys", "create", "--name", "procurement-bot", "--role", "editor", "--database", db
    )
    assert code == 0
    key = out[-1]
    assert re.fullmatch(r"tco_[A-Za-z0-9_-]{43}", key)
    with SqliteStore(db) as store:
        info = store.authenticate(key)
        assert info is not None and (info.name, info.role.name) == ("procurement-bot", "EDITOR")
    code, out, _ = _cli(capsys, "keys", "list", "--database", db)
    assert code == 0
    listing = "\n".join(out)
    assert "procurement-bot" in listing and "editor" in listing and key[:12] in listing
    assert key not in listing
    code, out, _ = _cli(capsys, "keys", "revoke", "procurement-bot", "--database", db)
    assert code == 0
    with SqliteStore(db) as store:
        assert store.authenticate(key) is None
    code, out, _ = _cli(capsys, "keys", "list", "--database", db)
    assert "revoked" in "\n".join(out)


def test_keys_errors_are_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    assert (
        _cli(capsys, "keys", "create", "--name", "bot", "--role", "admin", "--database", db)[0] == 0
    )
    code, out, err = _cli(
        capsys, "keys", "create", "--name", "bot", "--role", "admin", "--database", db
    )
    assert (code, out) == (2, [])
    assert err.strip() == "tco keys: an active API key named 'bot' already exists"
    code, _, err = _cli(capsys, "keys", "revoke", "nobody", "--database", db)
    assert code == 2
    assert err.strip() == "tco keys: no active API key named or prefixed 'nobody'"


def _guarded(app: object, path: str, method: str) -> bool:
    from litestar import Litestar
    from litestar.routes import HTTPRoute

    assert isinstance(app, Litestar)
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.path == path)
    return bool(route.route_handler_map[method][0].resolve_guards())  # what a request runs


def test_the_guard_runs_only_where_a_key_is_needed(api: Api, tmp_path: Path) -> None:
    app = api.client.app
    # Open reads pay no guard (litestar copies the handler for every guard it runs).
    assert not _guarded(app, "/v1/quotes", "GET")
    assert not _guarded(app, "/healthz", "GET")
    assert _guarded(app, "/v1/pricing/tables", "POST")
    with make_api(tmp_path / "keyed", auth=AuthSettings(reads_require_key=True)) as keyed:
        assert _guarded(keyed.client.app, "/v1/quotes", "GET")
        assert not _guarded(keyed.client.app, "/healthz", "GET")
    # Requests that need no key still get distinct generated ids.
    ids = {api.client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
