"""`flask --app portfolio storage reconcile [--apply]`, `storage expire-pending` and
`storage prepare-images` (images and documents).

Reconcile is a dry run unless --apply: it lists what it would do and changes nothing.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portfolio.domain.uploads.transfer import human_size
from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.uploads.reconcile import (
    ReconcileReport,
    expire_pending_uploads,
    orphan_grace_from,
    reconcile,
)
from portfolio.services.uploads.reviewer_copies import prepare_reviewer_copies
from portfolio.storage import StorageUnavailable
from portfolio.storage_binding import get_store


@click.group("storage")
def storage_group() -> None:
    """Object storage upkeep."""


@storage_group.command("reconcile")
@click.option("--apply", "apply", is_flag=True, help="Make the changes (default: only list).")
@with_appcontext
def reconcile_command(apply: bool) -> None:
    """Find objects without rows, and rows whose object is missing, changed or expired."""
    session = db.session
    try:
        report = reconcile(
            session,
            get_store(),
            utcnow(),
            apply=apply,
            orphan_grace=orphan_grace_from(current_app.config),
        )
    except StorageUnavailable as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    session.commit()
    _print_report(report)


@storage_group.command("expire-pending")
@with_appcontext
def expire_pending_command() -> None:
    """Drop uploads left pending past their expiry (a day after they began)."""
    session = db.session
    try:
        expired = expire_pending_uploads(session, get_store(), utcnow())
    except StorageUnavailable as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"Expired {len(expired)} pending upload(s).")


@storage_group.command("prepare-images")
@with_appcontext
def prepare_images_command() -> None:
    """Write reviewers' copies (without metadata) of images and documents verified before
    such copies existed."""
    session = db.session
    try:
        prepared = prepare_reviewer_copies(session, get_store())
    except StorageUnavailable as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    session.commit()
    for item in prepared:
        if item.refusal is not None:
            click.echo(f"upload {item.upload.id}: no copy ({item.refusal.message})")
        elif not item.made:
            click.echo(f"upload {item.upload.id}: no copy (it cannot be cleaned: sent as it is)")
    made = sum(item.made for item in prepared)
    click.echo(f"Prepared {made} of {len(prepared)} file(s) for reviewers.")


def _print_report(report: ReconcileReport) -> None:
    verb = "deleted" if report.applied else "would delete"
    mark = "marked broken" if report.applied else "would mark broken"
    for info in report.orphans:
        click.echo(f"orphan object ({verb}): {info.key} ({human_size(info.size)})")
    for upload in report.leftovers:
        click.echo(f"object of {upload.status.value} upload {upload.id} ({verb}): {upload.key}")
    for upload in report.expired:
        expired = "expired" if report.applied else "would expire"
        click.echo(f"pending upload {upload.id} past its expiry ({expired}): {upload.key}")
    for upload in report.missing:
        click.echo(f"upload {upload.id}: object missing ({mark}): {upload.key}")
    for upload in report.changed:
        click.echo(f"upload {upload.id}: object changed size ({verb}, {mark}): {upload.key}")
    aborted = "aborted" if report.applied else "would abort"
    for key, upload_id in report.abandoned:
        click.echo(f"unfinished multipart upload no row waits for ({aborted}): {key} {upload_id}")
    queued = "join queued" if report.applied else "would queue its join"
    for upload in report.unjoined:
        click.echo(f"upload {upload.id}: still in parts ({queued}): {upload.key}")
    summary = (
        f"{len(report.orphans)} orphan object(s), {len(report.leftovers)} leftover object(s), "
        f"{len(report.expired)} expired pending upload(s), {len(report.missing)} missing and "
        f"{len(report.changed)} changed object(s), {len(report.abandoned)} abandoned multipart "
        "upload(s)."
        + (f" {len(report.unjoined)} file(s) still in parts." if report.unjoined else "")
    )
    if report.clean:
        click.echo("Storage and database agree: nothing to do.")
    elif report.applied:
        click.echo(f"Applied: {summary}")
    else:
        click.echo(f"Dry run: {summary} Run with --apply to fix.")


commands = [storage_group]
