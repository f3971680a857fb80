"""Connection tokens: read from the environment variable a connection names, or stored
encrypted (Fernet, with a key derived from `PAVEDROAD_SECRET_KEY`). A token is never printed,
logged or returned; what is shown is where it comes from."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken

from pavedroad.errors import InvalidInputError, PavedroadError


class TokenMissingError(PavedroadError):
    """A connection's token cannot be found or read."""


def _fernet(secret_key: str | None) -> Fernet:
    if not secret_key:
        raise InvalidInputError.because(
            "storing a token needs PAVEDROAD_SECRET_KEY (any long random text) to encrypt it "
            "with; or name an environment variable with --token-env instead",
            field="token",
        )
    digest = hashlib.sha256(b"pavedroad-connections:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_token(token: str, *, secret_key: str | None) -> str:
    """The token encrypted for storage."""
    if not token.strip():
        raise InvalidInputError.because("the token is empty", field="token")
    return _fernet(secret_key).encrypt(token.strip().encode()).decode()


def read_token(
    *, token_env: str | None, token_encrypted: str | None, secret_key: str | None, name: str
) -> str:
    """The token of connection `name`: from its environment variable, else decrypted."""
    if token_env:
        value = os.environ.get(token_env, "").strip()
        if not value:
            raise TokenMissingError(
                f"connection {name!r} reads its token from the environment variable "
                f"{token_env}, which is not set in this process"
            )
        return value
    if token_encrypted:
        try:
            return _fernet(secret_key).decrypt(token_encrypted.encode()).decode()
        except InvalidToken:
            raise TokenMissingError(
                f"connection {name!r}: its stored token cannot be decrypted with this "
                "PAVEDROAD_SECRET_KEY (was the key changed?); store it again with "
                f"`pavedroad connect token {name} --token-stdin`"
            ) from None
        except InvalidInputError as exc:
            raise TokenMissingError(f"connection {name!r}: {exc}") from None
    return ""


def token_source(*, token_env: str | None, token_encrypted: str | None) -> str:
    """Where a token comes from, as shown instead of the token."""
    if token_env:
        return f"environment variable {token_env}"
    if token_encrypted:
        return "stored encrypted"
    return "none"
