"""Absolute links for emails: from PUBLIC_BASE_URL, else the request's address, else none."""

from __future__ import annotations

from flask import Flask

from portfolio.services.links import page_url


def test_the_public_base_url_makes_the_link_even_outside_a_request():
    app = Flask(__name__)
    app.config["PUBLIC_BASE_URL"] = "https://portfolio.example.org/"
    with app.app_context():
        assert page_url("/review/assignments/3") == (
            "https://portfolio.example.org/review/assignments/3"
        )


def test_without_one_the_request_address_is_used_and_outside_a_request_there_is_none():
    app = Flask(__name__)
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        assert page_url("/review/") == "http://127.0.0.1:5000/review/"
    with app.app_context():
        assert page_url("/review/") is None
