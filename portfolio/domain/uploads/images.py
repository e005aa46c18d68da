"""A copy of an uploaded image with nothing in it but the picture, for reviewers.

Photos carry who took them and where: EXIF (GPS position, camera and lens serial numbers,
owner and artist names), XMP and IPTC blocks, comments, embedded thumbnails (which keep the
uncropped picture), PNG text chunks. Any of it can unblind a review, so reviewers get a copy
re-written by Pillow from the pixels alone, plus what displaying them needs (the colour
profile, transparency, animation timing, a JPEG's orientation). JPEGs keep their own
quantization tables ("keep"), so the copy looks as the original does.

The work is bounded before any pixel is decoded (bytes, pixels times frames), and the result
is opened again and checked: a copy that still carries anything else is never handed out.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from portfolio.domain.errors import InvalidInput

MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 50_000_000  # width x height x frames: a 50-megapixel photo, or a long GIF
MAX_FRAMES = 1000
ORIENTATION = 0x0112  # the one EXIF tag kept: without it, phone photos show on their side

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
STRIPPED_TYPES = frozenset(_FORMATS)
# What Pillow reports about a picture that says nothing about who made it.
_DISPLAY_INFO = frozenset(
    {
        "icc_profile",
        "transparency",
        "duration",
        "loop",
        "background",
        "disposal",
        "blend",
        "version",
        "extension",
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "dpi",
        "adobe",
        "adobe_transform",
        "progressive",
        "progression",
        "gamma",
        "aspect",
        "interlace",
        "exif",  # checked on its own: at most the orientation
    }
)


class ImageRefused(InvalidInput):
    """The image cannot be read, or is too large to clean. `code` says which."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, field="file")
        self.code = code


def unreadable() -> ImageRefused:
    return ImageRefused(
        "This image could not be read: it may be damaged or cut off. "
        "Export it again as PNG or JPEG.",
        "image_unreadable",
    )


def too_large() -> ImageRefused:
    """Refusal of an image over MAX_IMAGE_BYTES (checked before its bytes are read)."""
    return ImageRefused(
        "Images can be at most 64 MB, so that reviewers get a copy without the camera's "
        "details. Export a smaller version.",
        "image_too_large",
    )


def strip_metadata(data: bytes, mime: str) -> bytes:
    """The image `data` (of verified type `mime`, one of STRIPPED_TYPES) re-written without
    metadata, in the same format.

    Raises ImageRefused (422) for an image too large to process (MAX_IMAGE_BYTES, MAX_PIXELS)
    or one Pillow cannot decode; never any other error for hostile bytes."""
    if len(data) > MAX_IMAGE_BYTES:
        raise too_large()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            cleaned = _rewrite(data, _FORMATS[mime])
            _check_clean(cleaned, _FORMATS[mime])
    except ImageRefused:
        raise
    except Exception as exc:
        # Pillow's decoders raise what the damage leads them to: OSError, SyntaxError,
        # ValueError, EOFError, DecompressionBomb*, and also struct.error, IndexError or
        # KeyError from a truncated GIF or TIFF header (found by the property test). Hostile
        # bytes are this function's input, so any of them means the image cannot be read.
        raise unreadable() from exc
    return cleaned


def _rewrite(data: bytes, fmt: str) -> bytes:
    with Image.open(io.BytesIO(data), formats=[fmt]) as image:
        frames = _frame_count(image)
        if image.width * image.height * frames > MAX_PIXELS:
            raise ImageRefused(
                f"This image has {image.width} x {image.height} pixels"
                + (f" in {frames} frames" if frames > 1 else "")
                + "; images can have at most 50 megapixels. Export a smaller version.",
                "image_too_many_pixels",
            )
        image.load()  # decode now, inside the bounds, so a broken image fails here
        options: dict[str, object] = {}
        icc = image.info.get("icc_profile")
        if icc:
            options["icc_profile"] = icc
        if fmt == "JPEG":
            options.update(quality="keep", exif=_orientation_only(image))
        elif fmt == "WEBP":
            options.update(quality=90, exif=b"", xmp=b"")
        if frames > 1:
            options["save_all"] = True
        # Pillow falls back on image.info for some fields (a GIF's or JPEG's comment): keep
        # only what displaying the picture needs.
        image.info = {k: v for k, v in image.info.items() if k in _DISPLAY_INFO - {"exif"}}
        out = io.BytesIO()
        image.save(out, fmt, **options)
    return out.getvalue()


def _frame_count(image: Image.Image) -> int:
    """How many frames `image` has, refusing more than MAX_FRAMES without counting them all
    (a GIF's frames are found by reading through the file: millions of tiny ones are cheap
    to send and slow to walk)."""
    if not getattr(image, "is_animated", False):
        return 1
    try:
        image.seek(MAX_FRAMES)
    except EOFError:
        image.seek(0)
        return int(getattr(image, "n_frames", 1))
    raise ImageRefused(
        f"Animated images can have at most {MAX_FRAMES} frames. Export a shorter version.",
        "image_too_many_frames",
    )


def _orientation_only(image: Image.Image) -> bytes:
    orientation = image.getexif().get(ORIENTATION)
    if orientation not in range(2, 9):
        return b""
    kept = Image.Exif()
    kept[ORIENTATION] = orientation
    return kept.tobytes()


def _check_clean(data: bytes, fmt: str) -> None:
    """Refuse (as unreadable) a copy that still says more than how to show the picture."""
    with Image.open(io.BytesIO(data), formats=[fmt]) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            extra = set(image.info) - _DISPLAY_INFO
            left = set(image.getexif()) - {ORIENTATION}
            if extra or left or getattr(image, "text", None):
                raise unreadable()
