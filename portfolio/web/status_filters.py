"""Template filters that name a set's status or its outcome's, in the domain's words.

status_label sits inside a sentence ("Set status: waiting for a third reviewer."); status_title
stands alone ("Waiting for a third reviewer"). Pages never spell a status out themselves.
"""

from __future__ import annotations

from flask import Flask

from portfolio.domain.lifecycle import status_label, status_title
from portfolio.services.certification.set_states import how_it_stands


def init_app(app: Flask) -> None:
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(status_title, "status_title")
    # How a set stands whatever its route (a course, a program, a portfolio): the office's
    # page of a person.
    app.add_template_global(how_it_stands, "how_it_stands")
