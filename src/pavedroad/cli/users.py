"""`pavedroad user` and `pavedroad token`: local accounts and scoped API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pavedroad.auth import service
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store

user_app = typer.Typer(help="Local users who sign in to the web pages.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens with read, write or admin scope.", no_args_is_help=True)

RoleOption = Annotated[
    str,
    typer.Option(help="read (look only), write (change data) or admin (also users and tokens)."),
]


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    role: RoleOption = "write",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin, not a prompt.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a local user; the password is stored as an argon2 hash."""
    password = _read_password(password_stdin)
    with store(db) as session:
        user = service.create_user(
            session=session, email=email, name=name, password=password, role=role
        )
    console.print(f"Added user {user.email} with role {user.role}.")


@user_app.command("set-password")
def user_set_password(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin, not a prompt.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Replace a user's password and sign out their browsers."""
    password = _read_password(password_stdin)
    with store(db) as session:
        service.set_password(session=session, email=email, password=password)
    console.print(f"Password of {email} changed.")


@user_app.command("disable")
def user_disable(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Disable a user (a leaver): signs out every browser and revokes every API token now."""
    with store(db) as session:
        user = service.disable_user(session=session, email=email)
    if as_json:
        print_json(user)
        return
    console.print(f"Disabled {user.email}: browsers signed out, API tokens revoked.")


@user_app.command("enable")
def user_enable(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Let a disabled user sign in again (their old tokens stay revoked)."""
    with store(db) as session:
        user = service.enable_user(session=session, email=email)
    if as_json:
        print_json(user)
        return
    console.print(f"Enabled {user.email}; create new tokens if they need API access.")


@user_app.command("set-role")
def user_set_role(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    role: Annotated[str, typer.Argument(help="read, write or admin.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change a user's role; their tokens never grant more than the new role."""
    with store(db) as session:
        user = service.set_role(session=session, email=email, role=role)
    if as_json:
        print_json(user)
        return
    console.print(f"{user.email} now has role {user.role}.")


@user_app.command("list")
def user_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List users and their roles."""
    with store(db) as session:
        users = service.list_users(session=session)
    if as_json:
        print_json(users)
        return
    print_table(
        f"{len(users)} users",
        ["email", "name", "role", "active"],
        [[u.email, u.name, u.role, "yes" if u.active else "no"] for u in users],
        empty="No users yet. Add one: pavedroad user add EMAIL --role admin",
    )


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="Email of the user the token acts for.")],
    scope: Annotated[
        str, typer.Option(help="read, write or admin (at most the user's role).")
    ] = "read",
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'ci-ingest'.")] = "token",
    expires_days: Annotated[
        int | None,
        typer.Option(
            help=f"Days until the token stops working, 1 to {service.MAX_TOKEN_DAYS} "
            "(default: never)."
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create an API token. The secret is printed once; only its hash is stored."""
    with store(db) as session:
        secret, token = service.create_token(
            session=session, email=user, name=name, scope=scope, expires_in_days=expires_days
        )
    if as_json:
        print_json({"token": secret, **token.model_dump(mode="json")})
        return
    console.print(
        f"Token {token.id} ({token.scope}) for {token.user}. Copy it now, it is not shown again:"
    )
    sys.stdout.write(secret + "\n")


@token_app.command("list")
def token_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List tokens (never their secrets)."""
    with store(db) as session:
        tokens = service.list_tokens(session=session)
    if as_json:
        print_json(tokens)
        return
    print_table(
        f"{len(tokens)} tokens",
        ["#", "name", "user", "scope", "prefix", "last used", "state"],
        [
            [
                t.id,
                t.name,
                t.user,
                t.scope,
                t.prefix + "…",
                t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never",
                "revoked" if t.revoked else "active",
            ]
            for t in tokens
        ],
        empty="No tokens yet. Create one: pavedroad token create --user EMAIL --scope read",
    )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token number from `pavedroad token list`.")],
    db: DbOption = None,
) -> None:
    """Revoke a token so it stops working at once."""
    with store(db) as session:
        service.revoke_token(session=session, token_id=token_id)
    console.print(f"Token {token_id} revoked.")
