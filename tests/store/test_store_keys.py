"""API keys in the store (both backends): hashed at rest, roles ordered, revocable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tco.store import Conflict, InvalidData, NotFound, Role, SqliteStore, Store


def test_roles_are_ordered_viewer_editor_admin() -> None:
    assert Role.VIEWER < Role.EDITOR < Role.ADMIN
    assert Role.ADMIN.allows(Role.EDITOR)
    assert Role.EDITOR.allows(Role.EDITOR)
    assert not Role.EDITOR.allows(Role.ADMIN)
    assert not Role.VIEWER.allows(Role.EDITOR)
    assert Role.parse(" Editor ") is Role.EDITOR
    assert Role.parse(Role.ADMIN) is Role.ADMIN
    with pytest.raises(InvalidData, match="viewer, editor, admin"):
        Role.parse("root")


def test_create_and_authenticate(store: Store) -> None:
    key = store.create_key("ci-bot", "editor")
    assert key.startswith("tco_")
    assert len(key) == 4 + 43  # token_urlsafe(32)
    info = store.authenticate(key)
    assert info is not None
    assert (info.name, info.role, info.prefix, info.revoked_at) == (
        "ci-bot",
        Role.EDITOR,
        key[:12],
        None,
    )
    assert store.authenticate(key + "x") is None
    assert store.authenticate("") is None
    assert store.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None


def test_only_the_hash_is_stored_in_the_sqlite_file(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "tco.db") as store:
        key = store.create_key("ops", Role.ADMIN)
        assert store.authenticate(key) is not None
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert key.encode() not in on_disk
    assert key[12:].encode() not in on_disk  # not even the secret part
    assert hashlib.sha256(key.encode()).hexdigest().encode() in on_disk
    with SqliteStore(tmp_path / "tco.db") as store:  # and it still authenticates after reopen
        info = store.authenticate(key)
        assert info is not None and info.role is Role.ADMIN


def test_revoke_by_name_and_by_prefix(store: Store) -> None:
    first = store.create_key("alice", "viewer")
    second = store.create_key("bob", "admin")
    revoked = store.revoke_key("alice", actor="root", request_id="r1")
    assert revoked.name == "alice" and revoked.revoked_at is not None
    assert store.authenticate(first) is None
    store.revoke_key(second[:12])
    assert store.authenticate(second) is None
    listed = {k.name: k for k in store.list_keys()}
    assert listed["alice"].revoked_at is not None
    assert listed["bob"].revoked_at is not None
    with pytest.raises(NotFound):
        store.revoke_key("alice")  # already revoked
    with pytest.raises(NotFound):
        store.revoke_key("nobody")
    with pytest.raises(NotFound):
        store.revoke_key("tco_")  # too short to be a prefix: never matches every key


def test_prefix_match_is_case_sensitive(store: Store) -> None:
    key = store.create_key("ci", "editor")
    while key[4:12].swapcase() == key[4:12]:  # no letters to swap (p ~ 1e-6): draw again
        store.revoke_key("ci")
        key = store.create_key("ci", "editor")
    with pytest.raises(NotFound):
        store.revoke_key("tco_" + key[4:12].swapcase())
    assert store.authenticate(key) is not None


def test_names_are_unique_among_active_keys_and_reusable_after_revoke(
    store: Store,
) -> None:
    old = store.create_key("ci", "editor")
    with pytest.raises(Conflict, match="ci"):
        store.create_key("ci", "viewer")
    store.revoke_key("ci")
    new = store.create_key("ci", "viewer")  # rotation
    assert store.authenticate(old) is None
    info = store.authenticate(new)
    assert info is not None and info.role is Role.VIEWER
    assert [k.name for k in store.list_keys()] == ["ci", "ci"]


def test_key_writes_are_audited_without_the_key(store: Store) -> None:
    key = store.create_key("ci", "editor", actor="cli", request_id=None)
    store.revoke_key("ci", actor="admin-key", request_id="r7")
    revoke, create = store.list_audit()
    assert (create.action, create.actor, create.target) == ("key.create", "cli", "api_key:ci")
    assert create.summary == {"role": "editor", "prefix": key[:12]}
    assert (revoke.action, revoke.actor, revoke.request_id) == ("key.revoke", "admin-key", "r7")
    assert key not in repr(store.list_audit())


def test_invalid_key_requests(store: Store) -> None:
    with pytest.raises(InvalidData):
        store.create_key("", "viewer")
    with pytest.raises(InvalidData):
        store.create_key("x", "superuser")
    assert store.list_keys() == []
