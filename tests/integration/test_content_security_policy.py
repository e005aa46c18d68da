"""The Content-Security-Policy: pages may connect to the app and to its object store only."""

from __future__ import annotations

import pytest

from portfolio import create_app
from portfolio.storage.s3 import S3Store
from portfolio.web.security import content_security_policy


def directives(csp: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in csp.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_with_the_local_store_pages_connect_only_to_the_app(client):
    csp = directives(client.get("/").headers["Content-Security-Policy"])
    assert csp["connect-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"


@pytest.mark.parametrize(
    ("endpoint", "origin"),
    [
        ("https://s3.example.test", "https://s3.example.test/portfolio-files"),
        ("https://s3.example.test/", "https://s3.example.test/portfolio-files"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/portfolio-files"),
    ],
)
@pytest.mark.database_independent  # an in-memory SQLite database
def test_with_s3_pages_connect_to_the_configured_endpoint_only(
    app_settings: dict[str, object], endpoint: str, origin: str
):
    app = create_app(
        {
            **app_settings,
            "DATABASE_URL": "sqlite://",
            "OBJECT_STORE_URL": "s3://portfolio-files",
            "S3_ENDPOINT_URL": endpoint,
        }
    )
    response = app.test_client().get("/no/such/page")
    csp = directives(response.headers["Content-Security-Policy"])
    # This bucket's path only: another bucket on the same endpoint stays out of reach.
    assert csp["connect-src"] == f"'self' {origin} {origin}/"
    assert "https:" not in csp["connect-src"].split() and "http:" not in csp["connect-src"].split()


@pytest.mark.database_independent
def test_amazon_s3_without_an_endpoint_is_its_regional_origin():
    store = S3Store("files", region="eu-west-1", access_key="k", secret_key="s")
    bucket = "https://s3.eu-west-1.amazonaws.com/files"
    assert store.browser_origin == f"{bucket} {bucket}/"
    assert store.presign_post("candidates/1/a", 10).url.rstrip("/") == bucket


@pytest.mark.database_independent
def test_virtual_host_addressing_puts_the_bucket_in_the_origin():
    store = S3Store(
        "files",
        endpoint_url="https://s3.example.test",
        access_key="k",
        secret_key="s",
        addressing_style="virtual",
    )
    assert store.browser_origin == "https://files.s3.example.test"
    post = store.presign_post("candidates/1/a", 10)
    assert post.url.startswith("https://files.s3.example.test/")


@pytest.mark.database_independent
def test_the_policy_names_only_the_origin_it_is_given():
    assert "connect-src 'self';" in content_security_policy(None)
    assert "connect-src 'self' https://s3.example.test;" in content_security_policy(
        "https://s3.example.test"
    )
