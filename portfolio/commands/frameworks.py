"""`flask frameworks import|export|list`: framework files in and out of the database.

Each command is one transaction: it commits once at the end, and writes nothing on error.
"""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.services.programs import versions as framework_service
from portfolio.services.programs.files import FORMATS, dump_document, read_framework_file
from portfolio.services.programs.queries import list_versions


@click.group("frameworks")
def frameworks_group() -> None:
    """Competency frameworks: import, export and list versions."""


@frameworks_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish the imported version if it is a draft.")
@with_appcontext
def import_command(file: str, publish: bool) -> None:
    """Validate FILE (YAML, JSON or a CASE 1.1 JSON package, at most 5 MB) and import it as a
    draft version.

    A published version is never changed: different content becomes a new draft version, and
    the same content changes nothing ("already up to date").
    """
    session = db.session
    try:
        result = framework_service.import_framework(session, read_framework_file(file), actor=None)
        click.echo(result.message)
        framework = result.framework
        if publish and framework.is_editable:
            framework_service.publish_framework(session, framework, actor=None)
            click.echo(f"Published {framework.slug} version {framework.version}.")
        session.commit()
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(f"{file}: {exc.message}") from None


@frameworks_group.command("export")
@click.argument("slug")
@click.option("--version", "version", type=int, help="Default: the latest published version.")
@click.option(
    "--format", "fmt", type=click.Choice((*FORMATS, "case")), default="yaml", show_default=True
)
@with_appcontext
def export_command(slug: str, version: int | None, fmt: str) -> None:
    """Print a framework version to stdout in the file format, or as a 1EdTech CASE 1.1
    package (JSON); each is re-importable as is."""
    try:
        if fmt == "case":
            package = framework_service.export_case(db.session, slug, version)
            click.echo(json.dumps(package, indent=2, ensure_ascii=False))
            return
        document = framework_service.export_framework(db.session, slug, version)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(dump_document(document, fmt), nl=False)


@frameworks_group.command("list")
@with_appcontext
def list_command() -> None:
    """List every framework version with its status."""
    versions = list_versions(db.session)
    if not versions:
        click.echo("No frameworks yet. Import one with: flask frameworks import FILE")
        return
    click.echo(
        f"{'slug':<20} {'version':>7}  {'status':<10} {'sets':>4} {'competencies':>12}  name"
    )
    for framework in versions:
        competencies = sum(len(s.competencies) for s in framework.sets)
        click.echo(
            f"{framework.slug:<20} {framework.version:>7}  {framework.status.value:<10} "
            f"{len(framework.sets):>4} {competencies:>12}  {framework.name}"
        )


commands = [frameworks_group]
