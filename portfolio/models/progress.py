"""Each enrollment's progress tally: how many of its sets are met, in review, or count towards
certification, and how many snapshots were sent in (domain.reporting.progress says what each
counter counts).

Derived data, kept by database triggers on enrollment_set and submission rather than by the
services that change them: every row written counts, whatever writes it (a service, a bulk
UPDATE, a COPY, an import; a set or submission moved to another enrollment too), in the writing
transaction, and concurrent writers add to the same row under its lock (`x = x + 1`), so the
tally never drifts from the rows it counts. A TRUNCATE fires no row triggers; on PostgreSQL a
statement trigger zeroes what the emptied table counted (SQLite has no TRUNCATE: its `DELETE`
without WHERE fires the row triggers).
`recount_statement` rebuilds the tally from those rows (the migration's backfill, `flask reports
retally`).

The price: a transaction that changes a set or a submission holds its enrollment's tally row
until it commits, so two transactions changing one enrollment's sets take turns. Locks go: the
set's row, its enrollment's tally row, then the enrollment's row (services.certification
evaluation locks it after the sets change); a job changing many sets takes them in order of
enrollment.
"""

from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, event
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.domain.reporting.progress import SET_COUNTERS, SUBMISSIONS_COLUMN, SetCounter
from portfolio.models.base import Base

COURSE_VERIFIED = "verified"  # models.enrollments.CourseStatus.VERIFIED, as stored
COUNTER_COLUMNS = (*(counter.column for counter in SET_COUNTERS), SUBMISSIONS_COLUMN)


class EnrollmentProgress(Base):
    __tablename__ = "enrollment_progress"

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True
    )
    sets_met: Mapped[int] = mapped_column(default=0, server_default="0")
    sets_in_review: Mapped[int] = mapped_column(default=0, server_default="0")
    sets_satisfied: Mapped[int] = mapped_column(default=0, server_default="0")
    submissions: Mapped[int] = mapped_column(default=0, server_default="0")


def counts_sql(counter: SetCounter, row: str) -> str:
    """1 when the enrollment_set `row` (NEW, OLD or a table alias) counts for `counter`, else 0."""
    statuses = ", ".join(f"'{status.value}'" for status in sorted(counter.statuses))
    condition = f"{row}.status IN ({statuses})"
    if counter.or_course_verified:
        condition = f"({condition} OR {row}.course_status = '{COURSE_VERIFIED}')"
    if not counter.with_dropped:
        condition = f"{row}.dropped_on IS NULL AND {condition}"
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _add_set(row: str, sign: str) -> str:
    changes = ", ".join(
        f"{counter.column} = {counter.column} {sign} {counts_sql(counter, row)}"
        for counter in SET_COUNTERS
    )
    return f"UPDATE enrollment_progress SET {changes} WHERE enrollment_id = {row}.enrollment_id;"  # noqa: S608 - SQL from constants


def _add_submission(row: str, sign: str) -> str:
    column = SUBMISSIONS_COLUMN
    enrollment = f"(SELECT enrollment_id FROM enrollment_set WHERE id = {row}.enrollment_set_id)"  # noqa: S608 - SQL from constants
    return f"UPDATE enrollment_progress SET {column} = {column} {sign} 1 WHERE enrollment_id = {enrollment};"  # noqa: S608, E501 - SQL from constants


def _move_submissions(row: str, sign: str) -> str:
    """A set moved to another enrollment takes its submissions' count along (no service moves
    one; a hand-made UPDATE might)."""
    column = SUBMISSIONS_COLUMN
    count = f"(SELECT count(*) FROM submission WHERE enrollment_set_id = {row}.id)"  # noqa: S608 - SQL from constants
    return (
        f"UPDATE enrollment_progress SET {column} = {column} {sign} {count} "  # noqa: S608 - SQL from constants
        f"WHERE enrollment_id = {row}.enrollment_id AND OLD.enrollment_id <> NEW.enrollment_id;"
    )


# An enrollment's row appears with its first set (a submission always has a set).
_PG_ENSURE = (
    "INSERT INTO enrollment_progress (enrollment_id) VALUES (NEW.enrollment_id) "
    "ON CONFLICT DO NOTHING;"
)
_SQLITE_ENSURE = (
    "INSERT OR IGNORE INTO enrollment_progress (enrollment_id) VALUES (NEW.enrollment_id);"
)
# Only the columns a counter reads: the ORM's UPDATE names the columns that changed.
_SET_COLUMNS = "status, course_status, dropped_on, enrollment_id"
_PG_TRIGGERS = {
    "enrollment_set_progress": "enrollment_set",
    "submission_progress": "submission",
    "enrollment_set_progress_truncate": "enrollment_set",
    "submission_progress_truncate": "submission",
}
_PG_FUNCTIONS = (
    "enrollment_set_progress",
    "submission_progress",
    "enrollment_set_progress_truncated",
    "submission_progress_truncated",
)
_SQLITE_TRIGGERS = (
    "enrollment_set_progress_insert",
    "enrollment_set_progress_update",
    "enrollment_set_progress_delete",
    "submission_progress_insert",
    "submission_progress_update",
    "submission_progress_delete",
)


def _postgresql() -> tuple[str, ...]:
    return (
        f"""
CREATE OR REPLACE FUNCTION enrollment_set_progress() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_add_set("OLD", "-")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_PG_ENSURE}
        {_add_set("NEW", "+")}
    END IF;
    IF TG_OP = 'UPDATE' THEN
        {_move_submissions("OLD", "-")}
        {_move_submissions("NEW", "+")}
    END IF;
    RETURN NULL;
END
$$""",
        f"""
CREATE TRIGGER enrollment_set_progress
AFTER INSERT OR DELETE OR UPDATE OF {_SET_COLUMNS} ON enrollment_set
FOR EACH ROW EXECUTE FUNCTION enrollment_set_progress()""",
        f"""
CREATE OR REPLACE FUNCTION submission_progress() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_add_submission("OLD", "-")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_add_submission("NEW", "+")}
    END IF;
    RETURN NULL;
END
$$""",
        """
CREATE TRIGGER submission_progress
AFTER INSERT OR DELETE OR UPDATE OF enrollment_set_id ON submission
FOR EACH ROW EXECUTE FUNCTION submission_progress()""",
        # A TRUNCATE leaves the table empty, so what it counted is zero everywhere. Truncating
        # enrollment_set empties submission too (its foreign key allows nothing else).
        f"""
CREATE OR REPLACE FUNCTION enrollment_set_progress_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_zeroed(COUNTER_COLUMNS)}
    RETURN NULL;
END
$$""",
        """
CREATE TRIGGER enrollment_set_progress_truncate AFTER TRUNCATE ON enrollment_set
FOR EACH STATEMENT EXECUTE FUNCTION enrollment_set_progress_truncated()""",
        f"""
CREATE OR REPLACE FUNCTION submission_progress_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_zeroed((SUBMISSIONS_COLUMN,))}
    RETURN NULL;
END
$$""",
        """
CREATE TRIGGER submission_progress_truncate AFTER TRUNCATE ON submission
FOR EACH STATEMENT EXECUTE FUNCTION submission_progress_truncated()""",
    )


def _zeroed(columns: tuple[str, ...]) -> str:
    zeroes = ", ".join(f"{column} = 0" for column in columns)
    return f"UPDATE enrollment_progress SET {zeroes};"  # noqa: S608 - SQL from constants


def _sqlite() -> tuple[str, ...]:
    return (
        f"""
CREATE TRIGGER enrollment_set_progress_insert AFTER INSERT ON enrollment_set
BEGIN
    {_SQLITE_ENSURE}
    {_add_set("NEW", "+")}
END""",
        f"""
CREATE TRIGGER enrollment_set_progress_update
AFTER UPDATE OF {_SET_COLUMNS} ON enrollment_set
BEGIN
    {_add_set("OLD", "-")}
    {_SQLITE_ENSURE}
    {_add_set("NEW", "+")}
    {_move_submissions("OLD", "-")}
    {_move_submissions("NEW", "+")}
END""",
        f"""
CREATE TRIGGER enrollment_set_progress_delete AFTER DELETE ON enrollment_set
BEGIN
    {_add_set("OLD", "-")}
END""",
        f"""
CREATE TRIGGER submission_progress_insert AFTER INSERT ON submission
BEGIN
    {_add_submission("NEW", "+")}
END""",
        f"""
CREATE TRIGGER submission_progress_update AFTER UPDATE OF enrollment_set_id ON submission
BEGIN
    {_add_submission("OLD", "-")}
    {_add_submission("NEW", "+")}
END""",
        f"""
CREATE TRIGGER submission_progress_delete AFTER DELETE ON submission
BEGIN
    {_add_submission("OLD", "-")}
END""",
    )


def _drop_triggers(dialect_name: str) -> tuple[str, ...]:
    if dialect_name == "postgresql":
        return tuple(
            f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in _PG_TRIGGERS.items()
        )
    if dialect_name == "sqlite":
        return tuple(f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS)
    return ()


def progress_trigger_statements(dialect_name: str) -> tuple[str, ...]:
    """DDL that (re)makes the triggers keeping enrollment_progress (migrations and create_all):
    any earlier version is dropped first, so running it again replaces rather than keeps them.
    A migration that rebuilds enrollment_set or submission on SQLite (batch_alter_table copies
    the table) loses their triggers and must run this again."""
    if dialect_name == "postgresql":
        return (*_drop_triggers(dialect_name), *_postgresql())
    if dialect_name == "sqlite":
        return (*_drop_triggers(dialect_name), *_sqlite())
    return ()


def drop_progress_trigger_statements(dialect_name: str) -> tuple[str, ...]:
    if dialect_name == "postgresql":
        return (
            *_drop_triggers(dialect_name),
            *(f"DROP FUNCTION IF EXISTS {name}()" for name in _PG_FUNCTIONS),
        )
    return _drop_triggers(dialect_name)


def recount_select() -> str:
    """Every enrollment's counts, recounted from its sets and submissions (SQL)."""
    sums = ", ".join(
        f"sum({counts_sql(counter, 'es')}) AS {counter.column}" for counter in SET_COUNTERS
    )
    columns = ", ".join(
        f"coalesce(s.{counter.column}, 0) AS {counter.column}" for counter in SET_COUNTERS
    )
    return f"""
SELECT e.id AS enrollment_id, {columns}, coalesce(sent.n, 0) AS {SUBMISSIONS_COLUMN}
FROM enrollment e
LEFT JOIN (SELECT es.enrollment_id, {sums} FROM enrollment_set es GROUP BY es.enrollment_id) s
    ON s.enrollment_id = e.id
LEFT JOIN (
    SELECT es.enrollment_id, count(*) AS n
    FROM submission su JOIN enrollment_set es ON es.id = su.enrollment_set_id
    GROUP BY es.enrollment_id
) sent ON sent.enrollment_id = e.id"""  # noqa: S608 - SQL from constants, no input


def recount_statement() -> str:
    """Fills an empty enrollment_progress with every enrollment's recounted tally."""
    return (
        f"INSERT INTO enrollment_progress (enrollment_id, {', '.join(COUNTER_COLUMNS)})"
        f"{recount_select()}"
    )


# create_all (tests, benches) gets the same triggers as the migration, once every table exists
# (a create_all that found the tables there makes them again, the same).
for _dialect in ("postgresql", "sqlite"):
    for _statement in progress_trigger_statements(_dialect):
        event.listen(
            Base.metadata,
            "after_create",
            DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect),
        )
