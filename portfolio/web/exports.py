"""Downloads of administrators' lists as CSV or XLSX, streamed: rows are written as the
database hands them over (export_rows), so an export of any length takes flat memory. Every
text cell goes through domain.reporting.cells.inert (no formulas)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from flask import Response, request, stream_with_context

from portfolio.domain.errors import BadRequest
from portfolio.domain.listing import ListRequest
from portfolio.domain.reporting.cells import as_text, inert
from portfolio.extensions import db
from portfolio.services.listing import ListQuery, stream_rows
from portfolio.web import clock

Column = tuple[str, Callable[[Any], object]]
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def export_format() -> str | None:
    """The export asked for with ?format=, or None for the page itself."""
    value = request.args.get("format") or None
    if value is not None and value not in FORMATS:
        raise BadRequest("Download as csv or xlsx.")
    return value


def export_table(tables: Sequence[str]) -> str:
    """Which of a report's tables to download (?table=), the first unless another is named."""
    value = request.args.get("table") or tables[0]
    if value not in tables:
        raise BadRequest("Download one of this report's tables: " + ", ".join(tables) + ".")
    return value


def export_rows(query: ListQuery[Any], request: ListRequest) -> Iterator[Any]:
    """A list's rows for a streamed download, read in a session of its own and closed when the
    download ends or is dropped. The body is sent after the request has ended, its session
    committed and closed: reading with that session would begin a transaction that nothing
    ends until garbage collection, holding SQLite's write lock (every transaction there is
    BEGIN IMMEDIATE) so that every write failed, or a PostgreSQL connection out of the pool."""
    session = db.new_session()
    try:
        yield from stream_rows(session, query, request)
    finally:
        session.close()


def export(kind: str, name: str, columns: Sequence[Column], rows: Iterable[Any]) -> Response:
    filename = f"{name}-{clock.today().isoformat()}.{kind}"
    body = _csv(columns, rows) if kind == "csv" else _xlsx(columns, rows)
    response = Response(
        stream_with_context(body),
        mimetype="text/csv" if kind == "csv" else XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    if kind == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


def _csv(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in columns])
    for row in rows:
        writer.writerow([as_text(value(row)) for _, value in columns])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[bytes]:
    # constant_memory writes each row to a temporary file as it comes; the finished workbook
    # is then read back in chunks, so neither step holds the export in memory.
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        workbook = xlsxwriter.Workbook(
            target.name, {"constant_memory": True, "strings_to_formulas": False}
        )
        sheet = workbook.add_worksheet("Export")
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for number, (header, _) in enumerate(columns):
            sheet.write_string(0, number, header, bold)
        for line, row in enumerate(rows, start=1):
            for number, (_, value) in enumerate(columns):
                cell = inert(value(row))
                if isinstance(cell, datetime):
                    sheet.write_datetime(line, number, cell.replace(tzinfo=None), moment)
                elif isinstance(cell, date):
                    sheet.write_datetime(
                        line, number, datetime.combine(cell, datetime.min.time()), day
                    )
                elif isinstance(cell, int | float):
                    sheet.write_number(line, number, cell)
                else:
                    sheet.write_string(line, number, str(cell))
        workbook.close()
        with open(target.name, "rb") as finished:
            while chunk := finished.read(CHUNK):
                yield chunk
