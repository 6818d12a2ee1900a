"""Personal API tokens for programs: `Authorization: Bearer TOKEN` acts as the token's user; only a hash is
stored, tokens can be revoked, and the clear text is shown once when created."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from web import models

PREFIX = "wfm_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, username: str, label: str = "") -> tuple[models.ApiToken, str]:
    """A new token for the user; returns the row and the clear text (not stored anywhere)."""
    user = session.scalars(select(models.User).where(models.User.username == username)).first()
    if user is None:
        raise ValueError(f"no user {username!r}; add one with `wfm user add`")
    clear = PREFIX + secrets.token_urlsafe(32)
    row = models.ApiToken(user_id=user.id, token_hash=_digest(clear), label=label[:100])
    session.add(row)
    session.flush()
    return row, clear


def user_for_token(session: Session, token: str) -> models.User | None:
    """The active user a live token belongs to (its last use is noted), else None."""
    row = session.scalars(select(models.ApiToken).where(models.ApiToken.token_hash == _digest(token),
                                                        models.ApiToken.revoked_at.is_(None))).first()
    if row is None or not row.user.active:
        return None
    row.last_used_at = models.utc_now()
    session.commit()
    return row.user


def revoke_token(session: Session, token_id: int) -> models.ApiToken:
    row = session.get(models.ApiToken, token_id)
    if row is None:
        raise ValueError(f"no token {token_id}; `wfm token list` shows them")
    if row.revoked_at is None:
        row.revoked_at = models.utc_now()
    return row


def list_tokens(session: Session, username: str | None = None) -> list[models.ApiToken]:
    query = select(models.ApiToken).join(models.User).order_by(models.ApiToken.id)
    if username:
        query = query.where(models.User.username == username)
    return list(session.scalars(query))
