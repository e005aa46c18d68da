"""The holder's own certificate (/me/certificates/<id>): its details, the PDF on A4 or US
Letter paper, the public page to share and an "Add to LinkedIn" link.

Each view loads the certificate, checks it is the signed-in person's (anyone else's looks
missing: 404), then acts. Only a valid certificate has a PDF (domain.certification.printing);
a revoked or expired one gets a 410 page that says why, and one with characters the embedded
fonts lack (e.g. a name in Tibetan, or in Chinese where Noto Sans CJK is not installed) a 409
page. Nothing here writes.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Response, current_app, render_template, request

from portfolio.domain.certification.printing import (
    PaperSize,
    PrintedCertificate,
    paper_size,
    require_printable,
    require_printable_text,
)
from portfolio.domain.certification.sharing import linkedin_add_to_profile
from portfolio.domain.uploads.filenames import content_disposition
from portfolio.extensions import db, limiter
from portfolio.services.certification import holder
from portfolio.web import access, clock
from portfolio.web.account_links import absolute_url
from portfolio.web.candidate import bp
from portfolio.web.rate_keys import account_key


def _own_certificate(certificate_id: int) -> holder.HolderCertificate:
    file = holder.holder_certificate(db.session, certificate_id, clock.today())
    access.require_own(file.certificate.user_id)
    return file


def _verify_url(file: holder.HolderCertificate) -> str:
    return absolute_url("certificates.show", number=file.certificate.number)


def _pdf() -> ModuleType:
    """services.certification.pdf, imported on the first certificate page rather than at start:
    fpdf2 brings numpy and costs about a third of a second, which no other page needs."""
    from portfolio.services.certification import pdf

    return pdf


def _fonts() -> Any:
    cjk = current_app.config.get("CERTIFICATE_CJK_FONT_DIR")
    return _pdf().CertificateFonts.in_folder(
        Path(current_app.config["CERTIFICATE_FONT_DIR"]), Path(cjk) if cjk else None
    )


def _printed(file: holder.HolderCertificate) -> PrintedCertificate:
    return file.printed(
        issuer=current_app.config["CERTIFICATE_ISSUER"], verify_url=_verify_url(file)
    )


@bp.get("/certificates/<int:certificate_id>")
def certificate(certificate_id: int) -> str:
    file = _own_certificate(certificate_id)
    verify_url = _verify_url(file)
    profile = file.on_profile(
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        verify_url=verify_url,
        organization_id=current_app.config.get("LINKEDIN_ORGANIZATION_ID", ""),
    )
    return render_template(
        "candidate/certificate.html",
        file=file,
        verify_url=verify_url,
        linkedin_url=linkedin_add_to_profile(profile) if file.status.valid else "",
        papers=list(PaperSize),
        missing=_pdf().missing_characters(_printed(file), _fonts()),
    )


def _pdf_limit() -> str:
    return str(current_app.config.get("CERTIFICATE_PDF_LIMIT", "20 per minute"))


@bp.get("/certificates/<int:certificate_id>/certificate.pdf")
@limiter.limit(_pdf_limit, key_func=account_key, scope="certificate-pdf")
def certificate_pdf(certificate_id: int) -> Response:
    file = _own_certificate(certificate_id)
    paper = paper_size(request.args.get("paper"))
    require_printable(file.status, file.certificate.number)
    printed, fonts = _printed(file), _fonts()
    require_printable_text(_pdf().missing_characters(printed, fonts))
    name = f"certificate-{file.certificate.number}-{paper.value}.pdf"
    return Response(
        _pdf().render_pdf(printed, paper, fonts),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": content_disposition(name),
            "Cache-Control": "private, no-store",
        },
    )
