"""Identity photos: decoded to prove they are images, re-encoded without metadata.

Phones send EXIF with GPS positions and serial numbers; none of it is kept. Decoding (not the
file name or the declared content type) decides what a file is, so a PDF renamed .jpg fails.

Decoding is the expensive part (a small PNG can declare 40 megapixels of 16-bit colour: seconds
of CPU and hundreds of MB), so everything that can be refused from the header is refused before
a single pixel is decoded: the format, the dimensions against a pixel budget that fits an ID
photo, and the sample depth. JPEGs are then decoded at a reduced size (`Image.draft`).
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from vssid.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
# A 6,000 × 4,000 phone photo; an ID card or a face needs far less. Checked on the header.
MAX_PIXELS = 24_000_000
MIN_SIDE = 240
STORED_LONG_SIDE = 1600
# The decoders tried. The JPEG one also opens the JPEGs many phones write with a second (depth
# or preview) frame, as format "MPO": the first frame is an ordinary JPEG and decodes as one.
ACCEPTED_FORMATS = ("JPEG", "PNG")
# Modes whose pixels convert to RGB cheaply. 16-bit and float modes (PNG "I;16", "I", "F") are
# not what phones or scanners send for an ID photo and cost several times more to decode.
ACCEPTED_MODES = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr"})
# ISO base media brands of HEIF/HEIC and AVIF (bytes 8–12, after "ftyp"): iPhones save HEIC.
# Pillow cannot decode HEIC without a plug-in we do not ship, so the person is told what to do.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"})


class PhotoError(DomainError):
    """A photo refused; the registration service names the field it came from."""


def _not_image() -> PhotoError:
    return PhotoError("photo_not_image", _("Tệp không phải ảnh JPEG hoặc PNG."))


def _too_many_pixels() -> PhotoError:
    return PhotoError("photo_too_large", _("Ảnh có kích thước điểm ảnh quá lớn."))


def is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _is_deep(image: Image.Image) -> bool:
    """A PNG of 16 bits per sample: Pillow reports RGB but inflates and reduces twice the data."""
    return any(";16" in str(tile.args) for tile in getattr(image, "tile", []) or [])


def open_photo(data: bytes) -> Image.Image:
    """The photo opened from its header only, with every refusal that needs no decoding made."""
    if len(data) > MAX_BYTES:
        raise PhotoError("photo_too_large", _("Ảnh lớn hơn 5 MB. Hãy chụp lại hoặc giảm kích thước ảnh."))
    if not data:
        raise PhotoError("photo_missing", _("Chưa có ảnh."))
    if is_heif(data):
        raise PhotoError(
            "photo_heic",
            _(
                "Ảnh HEIC (định dạng mặc định của iPhone) chưa được hỗ trợ. Hãy gửi ảnh JPEG: trên iPhone, "
                "chọn Cài đặt > Camera > Định dạng > Tương thích nhất, hoặc chụp màn hình ảnh rồi gửi."
            ),
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our formats are tried: no other decoder ever sees the bytes.
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise _not_image() from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoError("photo_unreadable", _("Ảnh bị hỏng, không đọc được.")) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    if min(width, height) < MIN_SIDE:
        raise PhotoError("photo_too_small", _("Ảnh quá nhỏ, không đọc được thông tin. Cạnh ngắn cần ít nhất 240 điểm ảnh."))
    if image.mode not in ACCEPTED_MODES or _is_deep(image):
        raise PhotoError(
            "photo_unsupported", _("Ảnh có định dạng màu không được hỗ trợ (ví dụ PNG 16-bit). Hãy gửi ảnh JPEG thông thường.")
        )
    return image


def check_photo(data: bytes) -> None:
    """The refusals made on the request, from the header alone (about 20 µs a photo), or PhotoError.

    A full decoding of a phone photo costs 15–60 ms of CPU and even one at 1/8 scale a fifth of
    that (Huffman decoding is most of it): three of them would make the registration request
    several times the cost of receiving its body, so pixels are decoded in the worker only.
    """
    image = open_photo(data)
    if image.format == "PNG":
        # The chunk checksums are verified without inflating a pixel: a cut or altered PNG
        # is refused here, not in the worker.
        try:
            image.verify()
        except (OSError, SyntaxError, ValueError):
            raise PhotoError("photo_unreadable", _("Ảnh bị hỏng, không đọc được.")) from None
    elif b"\xff\xda" not in data:
        # A JPEG header with no scan (start-of-scan marker) after it holds no picture at all.
        raise PhotoError("photo_unreadable", _("Ảnh bị hỏng, không đọc được."))


def clean_photo(data: bytes) -> bytes:
    """The photo as a metadata-free JPEG, or PhotoError."""
    image = open_photo(data)
    try:
        if image.format in ("JPEG", "MPO"):
            # Decode straight into YCbCr, the colour space the JPEG encoder works in: no
            # conversion to RGB and back. And let the decoder downscale by a power of two
            # towards the stored size: much faster and smaller for big camera photos.
            image.draft("YCbCr", _stored_size(*image.size))
        image.load()
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
