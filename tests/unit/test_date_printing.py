"""Dates print one way (domain.dates and its Jinja filters): no module or template under
portfolio/ and templates/ formats a date itself with strftime or a %-format such as %d %B %Y,
which pads with zeros and follows the server's locale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*(ROOT / "portfolio").rglob("*.py"), *(ROOT / "templates").rglob("*.html")],
    key=str,
)
# strftime in any form, and any strftime directive a date or time format would use
# ("{day:%d %B %Y}", "%H:%M", "%Y-%m-%d"); "%(name)s" and "%%" do not match.
DATE_FORMAT = re.compile(r"strftime|%-?[aAbBdeHIjmMpSyYZ]\b|%-?[aAbBdeHIjmMpSyYZ](?=[ :,/.-])")


def _offences(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if DATE_FORMAT.search(line)]


def test_the_scan_sees_the_sources():
    names = {path.name for path in SOURCES}
    assert {"dates.py", "date_filters.py", "dashboard.html", "queue.html"} <= names


@pytest.mark.parametrize(
    "line",
    [
        '{{ a.due_on.strftime("%d %B %Y") }}',
        'f"due on {due_on:%d %B %Y}"',
        'f"{saved:%H:%M} UTC"',
        '{{ framework.published_at.strftime("%Y-%m-%d") }}',
        "{{ report.period.starts_on.strftime('%B %Y') }}",
        'f"{when:%d %B}"',
    ],
)
def test_the_scan_catches_each_way_of_formatting_a_date_by_hand(line):
    assert _offences(line) == [line]


@pytest.mark.parametrize(
    "line",
    [
        '"ix": "ix_%(column_0_label)s",',
        "{{ a.due_on | long_date }}",
        'f"{format_date(due_on)}"',
        'f"{moment.hour:02d}:{moment.minute:02d} UTC"',
        '"{:,}".format(hours)',
    ],
)
def test_the_scan_lets_other_percent_signs_and_the_filters_through(line):
    assert _offences(line) == []


def test_no_module_or_template_formats_a_date_by_hand():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in SOURCES
        if (lines := _offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "use domain.dates (services) or its filters (templates)"
