"""Alembic environment: the models' metadata is the target; the URL comes from the app."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from portfolio.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # Our own column types are written by their import path.
    if type_ == "type" and type(obj).__name__ in ("UTCDateTime", "JSONDocument"):
        autogen_context.imports.add("import portfolio.models.base")
        return f"portfolio.models.base.{type(obj).__name__}()"
    return False


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        run_migrations(conn)
