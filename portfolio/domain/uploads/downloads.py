"""How a verified file is offered for download: under a name that agrees with its type.

On a reviewer's desktop the extension, not the content, decides which program opens a file:
a text file named "evil.iqy" opens as an Excel web query, ".desktop" as a Linux launcher,
".library-ms" as a Windows library. So every download name ends in an extension the file's
verified type allows (filetypes.ACCEPTED_EXTENSIONS), whatever the uploader called it.
"""

from __future__ import annotations

from portfolio.domain.uploads.filenames import (
    content_disposition,
    sanitize_filename,
    split_extension,
)
from portfolio.domain.uploads.filetypes import ACCEPTED_EXTENSIONS, inline_allowed

# A type we no longer accept (a row from an older allow-list) vouches for no extension; ".dat"
# is opened by no program (".bin" is on the refused list: some desktops run it).
UNKNOWN_TYPE_EXTENSION = ".dat"


def download_name(name: str, content_type: str) -> str:
    """The sanitized `name`, with the verified type's own extension when its own is not one
    the type allows: "evil.iqy" as text/plain -> "evil.txt", "photo.JPEG" stays as it is,
    "README" -> "README.txt".

    The untrusted extension is replaced, not kept in front of the new one ("evil.iqy.txt"):
    desktops that hide known extensions would show that as "evil.iqy", a name that promises
    the very program the file must not open with. The uploader's own name stays on the page.
    """
    mime = content_type.split(";", 1)[0].strip().lower()
    allowed = ACCEPTED_EXTENSIONS.get(mime, ())
    safe = sanitize_filename(name)
    stem, extension = split_extension(safe)
    if extension.lower() in allowed:
        return safe
    # sanitize_filename again: truncates to 255 bytes keeping the new extension.
    return sanitize_filename(stem + (allowed[0] if allowed else UNKNOWN_TYPE_EXTENSION))


def download_disposition(name: str, content_type: str, *, inline: bool = False) -> str:
    """The Content-Disposition every download path sends for a verified file: its
    download_name, and inline only when asked and inline_allowed(content_type)."""
    return content_disposition(
        download_name(name, content_type), inline=inline and inline_allowed(content_type)
    )
