"""The application shell: health, headers, errors."""

from __future__ import annotations

import pytest

from config import DEV_SECRET_KEY, load_config
from portfolio import create_app


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}


def test_home_page_sets_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data
    assert b"Traceback" not in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"] == "Not found"


def test_session_cookie_defaults_are_secure():
    settings = load_config("production")
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/portfolio")
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_to_start_without_a_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(SystemExit, match="DATABASE_URL"):
        create_app("production")


@pytest.mark.allows_server_error
def test_an_unexpected_error_shows_no_traceback(app_settings):
    app = create_app(app_settings)

    @app.get("/_boom_for_test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom_for_test")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Something went wrong" in response.data
