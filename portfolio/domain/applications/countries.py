"""Country choices: ISO 3166-1 alpha-2 codes with their English names, from pycountry.

pycountry ships the Debian iso-codes data, kept current with ISO 3166 (new and renamed
countries arrive with an upgrade), so no list of our own goes stale. The library is pure
Python with its data in the package: the domain stays free of I/O beyond reading it once.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType

import pycountry

FIRST = "US"  # most candidates apply from the US, so it leads every list


def _english_name(country: object) -> str:
    # The common name where ISO's is formal ("South Korea" for "Korea, Republic of").
    return str(getattr(country, "common_name", None) or country.name)  # type: ignore[attr-defined]


def _sort_key(name: str) -> str:
    # By letters alone, so "Åland Islands" sits among the A's and "Côte d'Ivoire" among the C's.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


COUNTRY_NAMES = MappingProxyType(
    dict(
        sorted(
            ((country.alpha_2, _english_name(country)) for country in pycountry.countries),
            key=lambda item: _sort_key(item[1]),
        )
    )
)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs: the United States first, then every other country by name."""
    rest = [(code, name) for code, name in COUNTRY_NAMES.items() if code != FIRST]
    return [(FIRST, COUNTRY_NAMES[FIRST]), *rest]


def country_name(code: str) -> str:
    """The name of an ISO code, or the code itself when it is unknown."""
    return COUNTRY_NAMES.get(code.upper(), code)
