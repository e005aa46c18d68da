"""A provider reports completions of its own courses: one at a time, or as a CSV roster that is
checked row by row and imported whole or not at all, once per file. Every bad roster is a 4xx
naming the rows, and nothing of it is imported."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portfolio.domain.errors import InvalidInput
from portfolio.models import (
    CompletionSource,
    CompletionStatus,
    CourseCompletion,
    CourseStatus,
    EnrollmentStatus,
    Role,
    RosterImport,
)
from portfolio.services.audit import events_for
from portfolio.services.courses import rosters
from portfolio.web import clock
from tests.completion_fixtures import course_world, make_course, make_provider
from tests.helpers import csrf_token, login_as, make_user

TODAY = clock.today()
DAY = (TODAY - timedelta(days=3)).isoformat()


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


@pytest.fixture
def worlds(session):
    first = course_world(session)
    second = course_world(
        session,
        email="sam.second@example.org",
        framework=first.framework,
        provider=first.provider,
        member=first.member,
        version=first.version,
    )
    session.commit()
    return first, second


def rosters_url(world) -> str:
    return f"/provider/{world.provider.slug}/rosters"


def send(client, world, text: str | bytes, name="roster.csv"):
    data = text.encode() if isinstance(text, str) else text
    token = csrf_token(client, rosters_url(world))
    return client.post(
        rosters_url(world),
        data={"csrf_token": token, "roster": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def completions(session) -> int:
    return session.scalar(select(func.count(CourseCompletion.id)))


def nothing_imported(session):
    assert completions(session) == 0
    assert session.scalar(select(func.count(RosterImport.id))) == 0


def good_roster(first, second) -> str:
    course = first.version.course_id
    return (
        "candidate,course,completed_on\n"
        f"{first.candidate.email},{course},{DAY}\n"
        f"{second.enrollment.id},Library Technology Basics,{DAY}\n"
    )


def test_a_roster_meets_each_candidates_set_and_importing_it_again_changes_nothing(
    client, session, worlds, mailbox
):
    first, second = worlds
    login_as(client, first.member)
    response = send(client, first, good_roster(first, second))
    assert response.status_code == 302
    assert "2 completions recorded, 0 already on record" in text_of(client.get(response.location))
    for world in worlds:
        session.refresh(world.item)
        session.refresh(world.enrollment)
        assert world.item.course_status is CourseStatus.VERIFIED
        assert world.enrollment.status is EnrollmentStatus.CERTIFIED
    rows = session.scalars(select(CourseCompletion)).all()
    assert {(c.source, c.status) for c in rows} == {
        (CompletionSource.PROVIDER_REPORT, CompletionStatus.VERIFIED)
    }
    roster = session.scalar(select(RosterImport))
    assert roster.row_count == 2 and all(c.roster_import_id == roster.id for c in rows)
    (event,) = events_for(session, "roster_import", roster.id)
    assert event.action == "course.roster_imported" and event.actor_id == first.member.id
    assert any("Your course is recorded" in m["Subject"] for m in mailbox.to(first.candidate.email))

    again = send(client, first, good_roster(first, second))
    assert again.status_code == 302
    assert "This file was imported already, so nothing changed" in text_of(
        client.get(again.location)
    )
    assert completions(session) == 2
    assert session.scalar(select(func.count(RosterImport.id))) == 1


def test_wrong_columns_are_refused(client, session, worlds):
    first, _ = worlds
    login_as(client, first.member)
    response = send(client, first, f"email,course,date\n{first.candidate.email},1,{DAY}\n")
    assert response.status_code == 422
    assert "The header row must name exactly the columns candidate, course, completed_on" in (
        text_of(response)
    )
    nothing_imported(session)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{email},99999,{day}", "has no course numbered or titled “99999”"),
        ("{email},Underwater Basket Weaving,{day}", "has no course numbered or titled"),
        (
            "nobody@example.org,{course},{day}",
            "No candidate enrolled in this program has the email address nobody@example.org",
        ),
        ("{email},{course},1999-01-01", "more than the program's retroactive credit allows"),
        (
            '{email},"=HYPERLINK(""http://evil.example"",""x"")",{day}',
            "which a spreadsheet would run as a formula; it is refused",
        ),
        ("{email},{course},{day}\n{email},{course},{day}", "Row 4: It repeats row 3"),
    ],
)
def test_a_bad_row_imports_nothing_and_is_named(client, session, worlds, row, message):
    first, second = worlds
    login_as(client, first.member)
    text = good_roster(first, second).replace(
        f"{second.enrollment.id},", f"{second.enrollment.id},", 1
    )
    text += row.format(email=first.candidate.email, course=first.version.course_id, day=DAY) + "\n"
    # the first two rows are good; the bad one must stop them too
    text = text.replace(f"{first.candidate.email},{first.version.course_id},{DAY}\n", "", 1)
    response = send(client, first, text)
    assert response.status_code == 422
    page = text_of(response)
    assert "The roster was not imported" in page and message in page
    assert "=HYPERLINK" not in response.get_data(as_text=True)
    nothing_imported(session)
    for world in worlds:
        session.refresh(world.item)
        assert world.item.course_status is None


def test_every_problem_of_a_file_is_named_at_once(client, session, worlds):
    first, _ = worlds
    login_as(client, first.member)
    email, course = first.candidate.email, first.version.course_id
    text = f"candidate,course,completed_on\n{email},99999,{DAY}\n=SUM(1),{course},{DAY}\n"
    text += f"{email},{course},2026-13-45\n"
    response = send(client, first, text)
    assert response.status_code == 422
    page = text_of(response)
    assert "3 problems" in page
    assert "Row 2: State Library Academy has no course numbered or titled “99999”" in page
    assert "Row 3: The candidate cell starts with “=”" in page
    assert "Row 4: The completion date must be a date written YYYY-MM-DD." in page
    assert page.index("Row 2:") < page.index("Row 3:") < page.index("Row 4:")
    nothing_imported(session)


def test_a_row_on_record_already_with_a_date_that_cannot_be_right_is_named(client, session, worlds):
    first, second = worlds
    login_as(client, first.member)
    assert send(client, first, good_roster(first, second)).status_code == 302
    future = (TODAY + timedelta(days=30)).isoformat()
    row = f"{first.candidate.email},{first.version.course_id},{future}"
    again = f"candidate,course,completed_on\n{row}\n"
    response = send(client, first, again, name="again.csv")
    assert response.status_code == 422
    assert "Row 2: The completion date" in text_of(response) and "is in the future" in text_of(
        response
    )


def test_another_providers_course_is_refused(client, session, worlds):
    first, _ = worlds
    rival, _member = make_provider(session, "Rival Academy", "rival", member_email="r@example.org")
    theirs = make_course(session, rival, first.framework, title="Rival Course")
    session.commit()
    login_as(client, first.member)
    response = send(
        client,
        first,
        f"candidate,course,completed_on\n{first.candidate.email},{theirs.course_id},{DAY}\n",
    )
    assert response.status_code == 422
    assert f"Course {theirs.course_id} is not one of State Library Academy's courses" in text_of(
        response
    )
    single = client.post(
        f"/provider/{first.provider.slug}/completions",
        data={
            "csrf_token": csrf_token(client, f"/provider/{first.provider.slug}/completions"),
            "candidate": first.candidate.email,
            "course_id": theirs.course_id,
            "completed_on": DAY,
        },
    )
    assert single.status_code == 404
    assert client.get("/provider/rival/rosters").status_code == 404
    nothing_imported(session)


def test_fifty_thousand_rows_are_refused_by_the_limit(client, session, worlds):
    first, _ = worlds
    login_as(client, first.member)
    lines = "".join(f"p{i}@example.org,1,{DAY}\n" for i in range(50_000))
    response = send(client, first, "candidate,course,completed_on\n" + lines)
    assert response.status_code == 422
    assert "a roster may be at most 1,048,576 bytes. Split it into smaller files." in text_of(
        response
    )
    nothing_imported(session)


def test_the_row_limit_holds_below_the_size_limit(session, worlds):
    first, _ = worlds
    text = "candidate,course,completed_on\n" + "".join(f"{i},1,{DAY}\n" for i in range(50_000))
    with pytest.raises(InvalidInput, match="more than 500 rows"):
        rosters.import_roster(
            session,
            first.provider,
            data=text.encode(),
            name="big.csv",
            actor=first.member,
            today=TODAY,
            max_bytes=10 * 1024 * 1024,
        )
    nothing_imported(session)


@pytest.mark.parametrize(
    "data", [b"\xff\xfe\x00\x01garbage", b"", b"candidate,course,completed_on\n", b"a\x00b"]
)
def test_files_that_are_not_a_roster_are_refused(client, session, worlds, data):
    first, _ = worlds
    login_as(client, first.member)
    response = send(client, first, data)
    assert response.status_code == 422
    nothing_imported(session)


def test_one_completion_at_a_time(client, session, worlds):
    first, _ = worlds
    login_as(client, first.member)
    url = f"/provider/{first.provider.slug}/completions"
    data = {
        "candidate": first.candidate.email.upper(),
        "course_id": first.version.course_id,
        "completed_on": DAY,
    }
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert response.status_code == 302
    assert "Recorded: Casey Candidate completed Library Technology Basics." in text_of(
        client.get(response.location)
    )
    session.refresh(first.item)
    assert first.item.course_status is CourseStatus.VERIFIED
    again = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert "was already on record; nothing changed" in text_of(client.get(again.location))
    assert completions(session) == 1
    # A date that cannot be right is refused, on record already or not.
    future = (TODAY + timedelta(days=30)).isoformat()
    ahead = client.post(
        url, data={"csrf_token": csrf_token(client, url), **data, "completed_on": future}
    )
    assert ahead.status_code == 422
    assert "is in the future." in text_of(ahead)
    bad = client.post(
        url, data={"csrf_token": csrf_token(client, url), **data, "completed_on": "31/12/2025"}
    )
    assert bad.status_code == 422
    assert "Enter the date the candidate completed the course." in text_of(bad)


def test_provider_pages_need_the_role_and_membership(client, session, worlds):
    first, _ = worlds
    candidate_only = first.candidate
    login_as(client, candidate_only)
    assert client.get(f"/provider/{first.provider.slug}/completions").status_code == 403
    outsider = make_user(session, "outsider@example.org", roles=(Role.PROVIDER,))
    session.commit()
    login_as(client, outsider)
    assert client.get(f"/provider/{first.provider.slug}/rosters").status_code == 404
    assert "You do not act for any course provider yet." in text_of(
        client.get("/provider/completions")
    )


def test_the_import_roster_command(app, session, worlds, tmp_path):
    first, second = worlds
    path = tmp_path / "roster.csv"
    path.write_text(good_roster(first, second))
    runner = app.test_cli_runner()
    args = ["courses", "import-roster", str(path), "--provider", first.provider.slug]
    result = runner.invoke(args=[*args, "--by", first.member.email])
    assert result.exit_code == 0, result.output
    assert "Imported: 2 completion(s) recorded" in result.output
    again = runner.invoke(args=[*args, "--by", first.member.email])
    assert "imported already; nothing changed" in again.output
    refused = runner.invoke(args=[*args, "--by", first.candidate.email])
    assert refused.exit_code != 0 and "does not act for a provider" in refused.output
