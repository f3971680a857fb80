"""Local users with argon2 passwords, API tokens with scopes, and browser sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pavedroad.auth import service
from pavedroad.auth.models import ApiToken, User, WebSession
from pavedroad.db import unit_of_work, utcnow
from pavedroad.errors import AuthenticationError, ConflictError, PavedroadError


@pytest.fixture
def ada(engine):
    with unit_of_work(engine) as s:
        service.create_user(
            session=s,
            email="Ada@Example.com",
            name="Ada",
            password="correct horse battery",
            role="write",
        )
    return "ada@example.com"


def test_passwords_are_stored_as_argon2id_hashes(engine, ada):
    with unit_of_work(engine) as s:
        user = s.scalar(select(User))
        assert user.email == ada
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash


def test_sign_in_accepts_the_right_password_and_refuses_others_the_same_way(engine, ada):
    with unit_of_work(engine) as s:
        assert (
            service.authenticate(
                session=s, email="ADA@example.com", password="correct horse battery"
            ).email
            == ada
        )
        with pytest.raises(AuthenticationError) as wrong:
            service.authenticate(session=s, email=ada, password="wrong password!")
        with pytest.raises(AuthenticationError) as unknown:
            service.authenticate(
                session=s, email="nobody@example.com", password="correct horse battery"
            )
    assert str(wrong.value) == str(unknown.value)


def test_short_passwords_duplicate_users_and_unknown_roles_are_refused(engine, ada):
    with unit_of_work(engine) as s:
        with pytest.raises(PavedroadError, match="at least 10"):
            service.create_user(
                session=s, email="b@example.com", name="B", password="short", role="read"
            )
        with pytest.raises(PavedroadError, match="allowed: read, write, admin"):
            service.create_user(
                session=s, email="b@example.com", name="B", password="long enough pw", role="root"
            )
        with pytest.raises(ConflictError):
            service.create_user(
                session=s, email="ada@EXAMPLE.com", name="A", password="long enough pw", role="read"
            )


def test_tokens_are_stored_hashed_and_grant_their_scope(engine, ada):
    with unit_of_work(engine) as s:
        secret, _ = service.create_token(session=s, email=ada, name="ci", scope="read")
    assert secret.startswith("prd_") and len(secret) > 40
    with unit_of_work(engine) as s:
        stored = s.scalar(select(ApiToken))
        assert stored.token_hash == service.hash_secret(secret)
        assert secret not in (stored.token_hash, stored.prefix)
        grant = service.grant_for_token(session=s, secret=secret)
    assert (grant.email, grant.scope) == (ada, "read")
    assert grant.allows("read") and not grant.allows("write")


def test_a_token_cannot_exceed_its_users_role(engine, ada):
    with (
        unit_of_work(engine) as s,
        pytest.raises(PavedroadError, match="cannot hold a 'admin' token"),
    ):
        service.create_token(session=s, email=ada, name="x", scope="admin")


def test_a_token_follows_its_user_when_their_role_is_lowered(engine, ada):
    with unit_of_work(engine) as s:
        secret, _ = service.create_token(session=s, email=ada, name="ci", scope="write")
    with unit_of_work(engine) as s:
        s.scalar(select(User)).role = "read"
    with unit_of_work(engine) as s:
        assert service.grant_for_token(session=s, secret=secret).scope == "read"


def test_revoked_expired_and_unknown_tokens_are_refused(engine, ada):
    with unit_of_work(engine) as s:
        revoked, revoked_out = service.create_token(session=s, email=ada, name="a", scope="read")
        expired, _ = service.create_token(
            session=s, email=ada, name="b", scope="read", expires_in_days=1
        )
    with unit_of_work(engine) as s:
        service.revoke_token(session=s, token_id=revoked_out.id)
        s.scalar(select(ApiToken).where(ApiToken.name == "b")).expires_at = utcnow() - timedelta(
            seconds=1
        )
    with unit_of_work(engine) as s:
        for secret, reason in [(revoked, "revoked"), (expired, "expired"), ("prd_nope", "unknown")]:
            with pytest.raises(AuthenticationError, match=reason):
                service.grant_for_token(session=s, secret=secret)


def test_browser_sessions_are_stored_hashed_and_end_on_sign_out(engine, ada):
    with unit_of_work(engine) as s:
        user = service.authenticate(session=s, email=ada, password="correct horse battery")
        secret, csrf = service.start_session(session=s, user=user, days=1)
    with unit_of_work(engine) as s:
        assert s.scalar(select(WebSession)).token_hash == service.hash_secret(secret)
        browser = service.browser_session(session=s, secret=secret)
        assert browser is not None and browser.csrf_token == csrf and browser.grant.email == ada
        service.end_session(session=s, secret=secret)
    with unit_of_work(engine) as s:
        assert service.browser_session(session=s, secret=secret) is None


def test_changing_a_password_signs_out_every_browser(engine, ada):
    with unit_of_work(engine) as s:
        user = service.authenticate(session=s, email=ada, password="correct horse battery")
        secret, _ = service.start_session(session=s, user=user, days=1)
        service.set_password(session=s, email=ada, password="a brand new password")
    with unit_of_work(engine) as s:
        assert service.browser_session(session=s, secret=secret) is None
        service.authenticate(session=s, email=ada, password="a brand new password")


def test_cli_adds_users_and_prints_a_token_once(cli):
    added = cli(
        "user",
        "add",
        "lead@example.com",
        "--name",
        "Lead",
        "--role",
        "admin",
        "--password-stdin",
        input="a long password\n",
    )
    assert added.exit_code == 0, added.stderr
    created = cli(
        "token",
        "create",
        "--user",
        "lead@example.com",
        "--scope",
        "write",
        "--name",
        "ci",
        "--json",
    )
    assert created.exit_code == 0, created.stderr
    import json

    body = json.loads(created.stdout)
    assert (
        body["token"].startswith("prd_")
        and body["scope"] == "write"
        and body["user"] == "lead@example.com"
    )
    listed = json.loads(cli("token", "list", "--json").stdout)
    assert [t["name"] for t in listed] == ["ci"]
    assert body["token"] not in cli("token", "list", "--json").stdout
    assert cli("token", "revoke", str(body["id"])).exit_code == 0
    assert json.loads(cli("token", "list", "--json").stdout)[0]["revoked"] is True
    weak = cli("user", "add", "x@example.com", "--password-stdin", input="short\n")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.stderr
