"""The pure rules of course evidence: when a completion counts, reading a roster, and the
catalogue's filters."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.certification.evaluation import (
    Route,
    SetState,
    course_evidence,
    evaluate,
    portfolio_evidence,
)
from portfolio.domain.courses.catalogue import MAX_PAGE_SIZE, read_filters
from portfolio.domain.courses.completion_dates import completion_refusal, credit_period
from portfolio.domain.courses.rosters import (
    RosterTooLarge,
    decode,
    inert_cell,
    parse_roster,
)
from portfolio.domain.lifecycle import SetLifecycle

pytestmark = pytest.mark.database_independent

APPROVED = date(2026, 3, 1)
UNTIL = date(2030, 3, 1)
TODAY = date(2026, 6, 1)
PERIOD = credit_period(APPROVED, UNTIL, retroactive_years=2)


@pytest.mark.parametrize(
    "completed_on",
    [date(2024, 3, 1), date(2025, 12, 31), APPROVED, date(2026, 5, 31), TODAY],
)
def test_a_completion_inside_the_period_or_the_two_years_before_counts(completed_on):
    assert completion_refusal(completed_on, PERIOD, TODAY) is None


def test_a_completion_more_than_two_years_before_approval_is_refused():
    refusal = completion_refusal(date(2024, 2, 29), PERIOD, TODAY)
    assert refusal is not None
    assert "only completions from 1 March 2024 count" in refusal


def test_a_completion_after_the_approval_ended_is_refused():
    refusal = completion_refusal(date(2030, 3, 2), PERIOD, date(2031, 1, 1))
    assert refusal == (
        "The course was completed on 2 March 2030, after its approval ended on 1 March 2030."
    )


def test_a_completion_in_the_future_is_refused():
    assert "in the future" in completion_refusal(date(2026, 6, 2), PERIOD, TODAY)


def test_retroactive_years_are_rule_data():
    strict = credit_period(APPROVED, UNTIL, retroactive_years=0)
    assert completion_refusal(date(2026, 2, 28), strict, TODAY) is not None
    assert completion_refusal(APPROVED, strict, TODAY) is None


HEADER = "candidate,course,completed_on\n"


def test_a_roster_reads_email_or_enrollment_number_in_any_column_order():
    parsed = parse_roster(
        "Course,Completed_on,Candidate\n7,2026-05-03,Ann@Example.org\nBasics,2026-05-04,42\n",
        100,
    )
    assert parsed.errors == ()
    first, second = parsed.rows
    assert (first.line, first.candidate, first.course, first.completed_on) == (
        2,
        "ann@example.org",
        "7",
        date(2026, 5, 3),
    )
    assert (second.candidate, second.by_email) == ("42", False)


def test_wrong_columns_are_one_error_for_the_file():
    parsed = parse_roster("email,course,date\na@b.org,1,2026-01-01\n", 100)
    assert parsed.rows == ()
    (error,) = parsed.errors
    assert error.describe() == (
        "The header row must name exactly the columns candidate, course, completed_on "
        "(in any order); it names email, course, date."
    )


def test_every_bad_row_is_reported_with_its_line():
    parsed = parse_roster(
        HEADER
        + "a@b.org,1,2026-01-01\n"
        + "a@b.org,1,2026-02-01\n"  # the same candidate and course again
        + "c@d.org,1,03/05/2026\n"
        + "nobody,1,2026-01-01\n"
        + "e@f.org,,2026-01-01\n"
        + "g@h.org,1\n",
        100,
    )
    assert [e.describe() for e in parsed.errors] == [
        "Row 3: It repeats row 2 (same candidate and course).",
        "Row 4: The completion date must be a date written YYYY-MM-DD.",
        "Row 5: The candidate must be an email address or an enrollment number.",
        "Row 6: The course cell is empty.",
        "Row 7: It has 2 cells; every row needs 3.",
    ]
    assert [row.line for row in parsed.rows] == [2]


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", " =1+1"]
)
def test_a_formula_in_a_cell_is_refused_and_shown_inert(cell):
    quoted = '"' + cell.replace('"', '""') + '"'
    parsed = parse_roster(HEADER + f"a@b.org,{quoted},2026-01-01\n", 100)
    (error,) = parsed.errors
    assert "which a spreadsheet would run as a formula; it is refused" in error.message
    assert f"starts with “{cell.strip()[0]}”, which" in error.message  # as typed, nothing added
    assert parsed.rows == ()
    assert inert_cell(cell.strip()).startswith("'")


def test_a_row_the_csv_reader_cannot_take_is_named_in_plain_words():
    huge = parse_roster(HEADER + "a@b.org,1," + "9" * 200_000 + "\n", 10)
    (error,) = huge.errors
    assert error.describe() == "Row 2: A cell of this row is longer than 131,072 characters."
    unclosed = parse_roster(HEADER + 'a@b.org,"1,2026-01-01\n', 10)
    (error,) = unclosed.errors
    assert "must be wrapped in double quotes" in error.message
    assert "Error" not in error.message and "expected" not in error.message


def test_a_row_is_named_by_the_line_it_begins_on():
    # An unclosed quote on row 3 makes the reader run on to the end of the file: the problem
    # is row 3's, not the last line's; a quoted line break keeps its row's first line.
    unclosed = parse_roster(
        HEADER
        + "a@b.org,1,2026-01-01\n"
        + '"c@d.org,1,2026-01-01\n'
        + "e@f.org,1,2026-01-01\n"
        + "g@h.org,1,2026-01-01\n",
        10,
    )
    assert [e.describe()[:6] for e in unclosed.errors] == ["Row 3:"]
    spanning = parse_roster(
        HEADER + 'a@b.org,"Library\nTechnology",2026-01-01\n\nc@d.org,1,2026-02-30\n', 10
    )
    assert [row.line for row in spanning.rows] == [2]
    assert [e.describe() for e in spanning.errors] == [
        "Row 5: The completion date must be a date written YYYY-MM-DD."
    ]


def test_fifty_thousand_rows_are_refused_by_the_row_limit():
    rows = (f"p{i}@example.org,1,2026-01-01\n" for i in range(50_000))
    text = HEADER + "".join(rows)
    with pytest.raises(RosterTooLarge, match="more than 2,000 rows"):
        parse_roster(text, 2000)


def test_the_size_limit_and_the_encoding_are_checked_before_reading():
    with pytest.raises(RosterTooLarge, match="at most 100 bytes"):
        decode(b"x" * 101, 100)
    with pytest.raises(ValueError, match="not UTF-8"):
        decode(b"\xff\xfe\x00", 100)
    assert decode("\ufeffcandidate".encode(), 100) == "candidate"


def test_an_empty_file_or_a_header_alone_says_so():
    assert parse_roster("", 10).errors[0].message == "The file is empty: it needs a header row."
    assert parse_roster(HEADER, 10).errors[0].message == (
        "The roster has a header row but no completions."
    )


def test_catalogue_filters_ignore_bad_values_with_a_message():
    filters, problems = read_filters(
        {
            "set": "<script>",
            "format": "carrier-pigeon",
            "synchronous": "maybe",
            "approved_from": "yesterday",
            "page": "-3",
            "per_page": "100000",
        }
    )
    assert (filters.set_code, filters.format, filters.synchronous) == ("", "", None)
    assert (filters.approved_from, filters.page, filters.per_page) == (None, 1, 20)
    assert len(problems) == 6


def test_catalogue_filters_read_good_values():
    filters, problems = read_filters(
        {
            "q": " basics ",
            "set": "tech",
            "provider": "state-library",
            "format": "hybrid",
            "synchronous": "no",
            "approved_from": "2026-01-01",
            "approved_to": "2026-12-31",
            "page": "2",
            "per_page": str(MAX_PAGE_SIZE),
        }
    )
    assert problems == []
    assert filters.text == "basics" and filters.set_code == "TECH"
    assert filters.synchronous is False and filters.per_page == MAX_PAGE_SIZE


def test_reasons_name_the_evidence_that_met_each_set():
    tech = SetState(
        "TECH",
        "Technology",
        True,
        Route.COURSE,
        SetLifecycle.NOT_STARTED,
        course_verified=True,
        course_completed=True,
        evidence=course_evidence(
            "Library Technology Basics", "State Library", date(2026, 5, 3), date(2026, 5, 5)
        ),
    )
    comm = SetState(
        "COMM",
        "Communication",
        True,
        Route.PORTFOLIO,
        SetLifecycle.MET,
        evidence=portfolio_evidence(2, date(2026, 3, 12)),
    )
    decision = evaluate([tech, comm], 0, date(2030, 1, 1), date(2026, 6, 1))
    assert decision.reasons[:2] == (
        "TECH Technology (required): met by Library Technology Basics (State Library), "
        "completed 3 May 2026, verified 5 May",
        "COMM Communication (required): met by portfolio review, submission 2 of 12 March 2026",
    )


def test_a_recognised_program_meets_a_set_once_its_transcript_is_verified():
    def state(**flags):
        return SetState(
            "CORE", "Core", True, Route.RECOGNISED_PROGRAM, SetLifecycle.NOT_STARTED, **flags
        )

    waiting = state(recognised_reported=True)
    assert not waiting.met and waiting.being_checked
    assert waiting.how == "recognised program, transcript not yet verified"
    done = state(recognised_reported=True, recognised_verified=True, evidence="LTA (College)")
    assert done.met and not done.being_checked
    assert done.reason == "met by LTA (College)"
    # the window ended while the transcript was still being checked: the decision waits
    decision = evaluate([waiting], 0, date(2026, 1, 1), date(2026, 6, 1))
    assert decision.verdict.value == "not_yet"
