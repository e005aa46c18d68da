"""The password policy, with plain values."""

from __future__ import annotations

import pytest

from portfolio.domain.accounts.common_passwords import COMMON_PASSWORDS
from portfolio.domain.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_password,
    password_problems,
)
from portfolio.domain.errors import InvalidInput

EMAIL = "pat.reader@example.org"
NAME = "Pat Reader"


def problems(password: str) -> list[str]:
    return password_problems(password, email=EMAIL, name=NAME)


def test_a_long_uncommon_passphrase_is_accepted():
    assert problems("quiet owls shelve atlases") == []
    check_password("quiet owls shelve atlases", email=EMAIL, name=NAME)


def test_no_composition_rules_apply():
    assert problems("onlylowercaseletters") == []


def test_eleven_characters_are_too_few_and_twelve_are_enough():
    assert problems("x7#kq2!mzp4") == [f"Use at least {MIN_LENGTH} characters."]
    assert problems("x7#kq2!mzp4w") == []


def test_length_counts_characters_not_bytes():
    assert problems("ééééééééééé") != []  # 11 characters, 22 bytes
    assert problems("bücherwürmer") == []  # 12 characters


def test_the_maximum_length_is_allowed_and_one_more_is_not():
    at_limit = ("correct horse " * 100)[:MAX_LENGTH]
    assert problems(at_limit) == []
    assert problems(at_limit + "x") == [f"Use at most {MAX_LENGTH} characters."]


@pytest.mark.parametrize(
    "common", ["password1234", "PASSWORD1234", "qwertyuiop123", "123456789012", "Iloveyou1234"]
)
def test_common_passwords_are_refused_in_any_case(common):
    assert any("too common" in p for p in problems(common))


def test_common_passwords_with_spaces_added_are_refused():
    assert any("too common" in p for p in problems("password 1234"))


def test_the_block_list_is_a_real_list():
    assert 100 <= len(COMMON_PASSWORDS) <= 250
    assert all(entry == entry.casefold() for entry in COMMON_PASSWORDS)


def test_one_character_repeated_is_refused():
    assert any("single character" in p for p in problems("zzzzzzzzzzzzzzzz"))


@pytest.mark.parametrize(
    "personal", ["pat.reader@example.org", "PAT.READER@EXAMPLE.ORG", "Pat Reader", "patreader"]
)
def test_the_email_or_name_is_refused(personal):
    found = problems(personal)
    assert "Do not use your email address or your name as your password." in found


def test_the_email_local_part_is_refused_when_long_enough():
    found = password_problems("librarian.pat", email="librarian.pat@example.org", name="P")
    assert found == ["Do not use your email address or your name as your password."]


def test_a_password_merely_containing_the_name_is_fine():
    assert problems("pat reader loves quiet atlases") == []


def test_every_problem_is_reported_at_once():
    found = password_problems("patreader", email="x@example.org", name="Pat Reader")
    assert len(found) == 2


def test_check_password_raises_on_the_password_field():
    with pytest.raises(InvalidInput) as caught:
        check_password("short", email=EMAIL, name=NAME)
    assert caught.value.field == "password"
    assert caught.value.status == 422
    assert "at least 12" in caught.value.message
