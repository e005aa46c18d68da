"""Settings and headers outside development: every documented setting comes from the
environment, HTTPS is pinned, private JSON is never cached."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import ENV_OVERRIDES, INTEGER_SETTINGS, ROOT, check_certificate_fonts, load_config
from portfolio import create_app
from portfolio.models import Role
from tests.helpers import login_as, make_user

# Read from the environment, but not through ENV_OVERRIDES (see load_config).
SPECIAL = {"PORTFOLIO_ENV", "REDIS_URL"}


def documented_settings() -> set[str]:
    readme = (Path(ROOT) / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_the_readme_documents_exactly_the_settings_the_environment_can_set():
    assert documented_settings() == set(ENV_OVERRIDES) | SPECIAL


def sample(key: str, default: object) -> tuple[str, object]:
    if key in INTEGER_SETTINGS or (isinstance(default, int) and not isinstance(default, bool)):
        return "7340033", 7340033
    if isinstance(default, bool):
        return "true" if not default else "false", not default
    return "from-the-environment", "from-the-environment"


@pytest.mark.parametrize("key", ENV_OVERRIDES)
def test_every_setting_is_taken_from_the_environment(monkeypatch, key):
    defaults = load_config("production")
    raw, expected = sample(key, defaults.get(key))
    monkeypatch.setenv(key, raw)
    assert load_config("production")[key] == expected


def test_a_number_that_is_not_one_stops_the_app_with_its_name(monkeypatch):
    monkeypatch.setenv("UPLOAD_PART_BYTES", "16MB")
    with pytest.raises(SystemExit, match="UPLOAD_PART_BYTES must be a whole number"):
        load_config("testing")


def test_upload_limits_that_cannot_work_stop_the_app_at_start_up():
    with pytest.raises(SystemExit, match="part_bytes must be at least"):
        create_app({"UPLOAD_PART_BYTES": 1024})


def test_pages_pin_https_outside_development(client):
    response = client.get("/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_on_plain_http_does_not_pin_https(tmp_path):
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": "sqlite://"})
    with app.test_client() as client:
        response = client.get("/check-your-email")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_json_answers_are_never_cached(client, session):
    login_as(client, make_user(session, "c@example.org", roles=(Role.CANDIDATE,)))
    response = client.get("/api/uploads/1")
    assert response.is_json and response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def test_the_app_refuses_to_start_without_the_certificate_fonts(tmp_path):
    check_certificate_fonts(load_config("testing"))  # the repository's own folder
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"")
    with pytest.raises(SystemExit, match=r"CERTIFICATE_FONT_DIR has no DejaVuSans-Bold\.ttf"):
        check_certificate_fonts({"CERTIFICATE_FONT_DIR": str(tmp_path)})
    with pytest.raises(SystemExit, match=r"has no DejaVuSans\.ttf"):
        check_certificate_fonts({"CERTIFICATE_FONT_DIR": str(tmp_path / "missing")})
