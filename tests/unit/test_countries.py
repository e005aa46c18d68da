"""Country choices for the application form (names from pycountry, order and codes ours)."""

from __future__ import annotations

import re

from portfolio.domain.applications.countries import COUNTRY_NAMES, country_choices, country_name

# The 249 codes of the hand-written list this module replaced.
PREVIOUS_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""


def test_every_iso_country_is_offered_once_with_the_united_states_first() -> None:
    choices = country_choices()
    codes = [code for code, _name in choices]
    assert choices[0] == ("US", "United States")
    assert len(codes) == len(set(codes)) == 249  # ISO 3166-1 has 249 assigned codes
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)
    assert set(codes) == set(COUNTRY_NAMES)


def test_the_rest_are_in_alphabetical_order_ignoring_accents() -> None:
    names = [name for _code, name in country_choices()[1:]]
    assert names.index("Afghanistan") < names.index("Åland Islands") < names.index("Albania")
    assert names.index("Colombia") < names.index("Côte d'Ivoire") < names.index("Croatia")
    assert names[-1] == "Zimbabwe"


def test_common_names_are_preferred_to_formal_ones() -> None:
    assert COUNTRY_NAMES["KR"] == "South Korea"
    assert COUNTRY_NAMES["CA"] == "Canada"
    assert COUNTRY_NAMES["GB"] == "United Kingdom"


def test_the_codes_are_those_the_form_offered_before_pycountry() -> None:
    # Stored applications hold these codes; every one must stay a valid choice.
    assert set(COUNTRY_NAMES) == set(PREVIOUS_CODES.split())


def test_a_name_is_found_in_any_case_and_an_unknown_code_is_shown_as_it_is() -> None:
    assert country_name("ca") == "Canada"
    assert country_name("ZZ") == "ZZ"
