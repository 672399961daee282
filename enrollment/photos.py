"""Identity photos: decoded to prove they are images, re-encoded without metadata.

Phones send EXIF with GPS positions and serial numbers; none of it is kept. Decoding (not the
file name or the declared content type) decides what a file is, so a PDF renamed .jpg fails.
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~ a 7,700 × 5,200 photo; more is a decompression bomb, not a phone picture
MIN_SIDE = 240
STORED_LONG_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG"}


class PhotoError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def clean_photo(data: bytes) -> bytes:
    """The photo as a metadata-free JPEG, or PhotoError."""
    if len(data) > MAX_BYTES:
        raise PhotoError("photo_too_large", _("Ảnh lớn hơn 5 MB. Hãy chụp lại hoặc giảm kích thước ảnh."))
    if not data:
        raise PhotoError("photo_missing", _("Chưa có ảnh."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError("photo_not_image", _("Tệp không phải ảnh JPEG hoặc PNG."))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError("photo_too_large", _("Ảnh có kích thước điểm ảnh quá lớn."))
            if min(width, height) < MIN_SIDE:
                raise PhotoError(
                    "photo_too_small", _("Ảnh quá nhỏ, không đọc được thông tin. Cạnh ngắn cần ít nhất 240 điểm ảnh.")
                )
            if image.format == "JPEG":
                # Decode straight into YCbCr, the colour space the JPEG encoder works in: no
                # conversion to RGB and back. And let the decoder downscale by a power of two
                # towards the stored size: much faster for big camera photos.
                image.draft("YCbCr", _stored_size(width, height))
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("photo_not_image", _("Tệp không phải ảnh JPEG hoặc PNG.")) from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoError("photo_unreadable", _("Ảnh bị hỏng, không đọc được.")) from None
    # In place: without an orientation tag the copy exif_transpose would make is wasted.
    ImageOps.exif_transpose(image, in_place=True)
    pixels: Image.Image = image if image.mode in ("RGB", "YCbCr") else image.convert("RGB")
    pixels.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE))
    # Only the pixels are written: no EXIF, ICC profile, XMP or comment goes to the encoder.
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=85, optimize=False)
    return out.getvalue()


def _stored_size(width: int, height: int) -> tuple[int, int]:
    """The size the photo is kept at: its long side at most STORED_LONG_SIDE, same proportions."""
    scale = min(1.0, STORED_LONG_SIDE / max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))
