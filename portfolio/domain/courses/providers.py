"""Providers as rules: the address of a provider's public page, and its website."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from urllib.parse import urlsplit

from portfolio.domain.errors import InvalidInput

MAX_WEBSITE = 2000
BAD_WEBSITE = "Enter the website as an address starting with https://, e.g. https://example.org/."


def check_website(value: object) -> str:
    """An http(s) address with a site name, or "" when none is given; InvalidInput otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return ""
    if len(text) > MAX_WEBSITE:
        raise InvalidInput(
            f"The website address is longer than {MAX_WEBSITE:,} characters; give a shorter one.",
            field="website",
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise InvalidInput(BAD_WEBSITE, field="website")
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        raise InvalidInput(BAD_WEBSITE, field="website") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(BAD_WEBSITE, field="website")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(BAD_WEBSITE, field="website")
    return text


def provider_slug(name: str, taken: Collection[str] = ()) -> str:
    """A short address for the provider's public page from its name, unique among `taken`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "provider"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug
