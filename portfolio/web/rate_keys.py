"""Keys the rate limiter counts by, for limits on signed-in work."""

from __future__ import annotations

from flask_limiter.util import get_remote_address
from flask_login import current_user


def account_key() -> str:
    """Per account, not per address: these pages need a sign-in, and one office shares an
    address. Before sign-in (refused right after by the sign-in check) the address counts."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"address:{get_remote_address()}"
