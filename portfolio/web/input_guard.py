"""Text no column can store is refused once, at the edge, for the whole app.

PostgreSQL refuses NUL in text, a lone surrogate cannot be encoded at all, and the other C0
control characters have no place in anything a person types; left to reach the database they
surface as a 500 (or, on SQLite, as stored junk). So every request's path, query string, form
fields and JSON strings (names and values) are checked before any view runs, and a request
carrying such a character gets a 400 that says which field. Tab, line feed and carriage return
are ordinary text and pass. In a form's values, a form feed or a vertical tab (a page or line
break in text pasted from a PDF or a word processor) becomes a line feed, as the editors'
scripts do before they send: without JavaScript such a paste was otherwise refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from portfolio.domain.errors import BadRequest

# C0 controls but tab, LF and CR; DEL; and the surrogate range (only ever lone in a str).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
MESSAGE = (
    "{what} contains a character we cannot store (a control character such as NUL, or half "
    "of a character that needs two). Remove it and try again."
)
_RAW_BODY = "_reads_raw_body"
PASTED_BREAKS = re.compile("[\x0b\x0c]")

View = TypeVar("View", bound=Callable[..., Any])


def reads_raw_body(view: View) -> View:
    """Mark a view that streams its own request body (a file): the guard leaves the body alone.

    Parsing such a body here would read the whole file under the wrong size limit; the path
    and query string are still checked.
    """
    setattr(view, _RAW_BODY, True)
    return view


def refused_text(value: str) -> bool:
    return REFUSED.search(value) is not None


def _shown(name: str) -> str:
    """A field name safe to repeat in the message (it may itself hold the bad character)."""
    return REFUSED.sub("?", name)[:100]


def _json_strings(document: object) -> Iterator[tuple[str, str]]:
    """(field, text) for every key and string value, without recursion (depth is unbounded)."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            yield path, node
        elif isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                yield child_path, str(key)
                stack.append((child_path, child))
        elif isinstance(node, list):
            stack.extend((path, child) for child in node)


def _pasted_breaks_as_line_feeds() -> None:
    form = request.form
    if any(PASTED_BREAKS.search(value) for _name, value in form.items(multi=True)):
        request.form = ImmutableMultiDict(
            [(name, PASTED_BREAKS.sub("\n", value)) for name, value in form.items(multi=True)]
        )


def check_request() -> None:
    """Raise BadRequest (400) when any text of the request holds a refused character."""
    if refused_text(request.path):
        raise BadRequest(MESSAGE.format(what="The address"))
    for name, value in request.args.items(multi=True):
        if refused_text(name) or refused_text(value):
            raise BadRequest(MESSAGE.format(what=f"The parameter “{_shown(name)}”"))
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, _RAW_BODY, False):
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _pasted_breaks_as_line_feeds()
        for name, value in request.form.items(multi=True):
            if refused_text(name) or refused_text(value):
                raise BadRequest(MESSAGE.format(what=f"The field “{_shown(name)}”"), field=name)
        for name, file in request.files.items(multi=True):
            if refused_text(name) or refused_text(file.filename or ""):
                raise BadRequest(MESSAGE.format(what="The file's name"), field=_shown(name))
    elif request.is_json:
        try:
            document = request.get_json(silent=True)
        except RecursionError:
            # json nests by recursion: a few thousand brackets exhaust the stack.
            raise BadRequest("The request nests too deeply to read.") from None
        for field, text in _json_strings(document):
            if refused_text(text):
                what = f"The field “{_shown(field)}”" if field else "The request"
                raise BadRequest(MESSAGE.format(what=what), field=_shown(field) or None)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
