"""A streamed download ends every transaction it began.

The body of a CSV or XLSX download is sent after the request has ended, its session committed
and closed. Rows read with that session began a transaction that nothing ended until garbage
collection: on SQLite (every transaction there is BEGIN IMMEDIATE) it held the write lock, so
every write of every person failed with 503 until the server restarted; on PostgreSQL it would
keep a connection out of the pool, idle in a transaction. Each test makes its own SQLite file,
so it runs once (database_independent)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import Base, Role
from portfolio.services.accounts.users import create_account
from tests.helpers import login_as

pytestmark = pytest.mark.database_independent

DOWNLOADS = [
    "/admin/course-approvals?format=csv&status=any",
    "/admin/users?format=csv",
    "/admin/users?format=xlsx",
    "/admin/providers?format=csv",
]


def can_write(path: Path) -> bool:
    """Whether another connection can take SQLite's write lock at once."""
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize("url", DOWNLOADS)
def test_after_a_download_the_database_takes_writes_and_no_connection_is_held(
    app_settings, tmp_path, url
):
    path = tmp_path / "downloads.sqlite3"
    app = create_app({**app_settings, "DATABASE_URL": f"sqlite:///{path}"})
    engine = db.engine_for(app)
    Base.metadata.create_all(engine)
    with app.app_context():
        admin = create_account(
            db.session,
            email="office@example.org",
            name="Office",
            password="a long enough password",
            roles=(Role.ADMINISTRATOR,),
            confirmed=True,
        )
        db.session.commit()
    client = app.test_client()
    login_as(client, admin)
    response = client.get(url)
    assert response.status_code == 200
    assert response.get_data()  # the whole download, as a browser takes it
    response.close()
    assert can_write(path), "the download left SQLite's write lock taken"
    assert engine.pool.checkedout() == 0, "the download left a connection checked out"
    engine.dispose()
