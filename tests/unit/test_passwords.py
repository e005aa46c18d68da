"""The password policy, with plain values."""

from __future__ import annotations

import threading

import pytest

from portfolio.domain.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    SCORED_PREFIX,
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


TOO_EASY = "This password is too easy to guess."
HARDER = "Choose one that is harder to guess, such as a few unrelated words."


@pytest.mark.parametrize(
    "common", ["password1234", "PASSWORD1234", "qwertyuiop123", "123456789012", "Iloveyou1234"]
)
def test_common_passwords_are_refused_in_any_case(common):
    (problem,) = problems(common)
    assert problem.startswith(TOO_EASY) and problem.endswith(HARDER)
    assert "common" in problem  # zxcvbn's reason: "(similar to) a very common password"


def test_common_passwords_with_spaces_added_are_refused():
    assert problems("password 1234") == [
        f"{TOO_EASY} This is similar to a commonly used password. {HARDER}"
    ]


@pytest.mark.parametrize("guessable", ["abcdefghijklmnop", "1qaz2wsx3edc4rfv", "qwertyqwerty"])
def test_sequences_and_keyboard_patterns_are_refused(guessable):
    assert problems(guessable)[0].startswith(TOO_EASY)


def test_one_character_repeated_is_refused():
    assert problems("zzzzzzzzzzzzzzzz") == [
        f'{TOO_EASY} Repeats like "aaa" are easy to guess. {HARDER}'
    ]


def test_a_password_built_from_the_persons_own_name_is_refused_for_them_only():
    assert problems("patreader2024") == [f"{TOO_EASY} {HARDER}"]
    assert password_problems("patreader2024", email="sam@example.org", name="Sam Other") == []


def test_each_check_uses_its_own_persons_name_even_at_the_same_time():
    # zxcvbn keeps the names it is given in module state; checks in parallel must not mix.
    results: dict[str, list[str]] = {}

    def check(name: str) -> None:
        for _ in range(20):
            found = password_problems("patreader2024", email="x@example.org", name=name)
            results[name] = results.get(name, []) + found

    threads = [threading.Thread(target=check, args=(n,)) for n in ("Pat Reader", "Sam Other")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["Pat Reader"] == [f"{TOO_EASY} {HARDER}"] * 20
    assert results["Sam Other"] == []


def test_only_the_start_of_a_very_long_password_is_scored():
    # Scoring grows faster than the square of the length; the first characters decide.
    weak_start = "z" * SCORED_PREFIX + "quiet owls shelve atlases"
    assert problems(weak_start)[0].startswith(TOO_EASY)
    assert problems("quiet owls shelve atlases " + "z" * 900) == []


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
