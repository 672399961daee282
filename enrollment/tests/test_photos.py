"""Identity photos are decoded, bounded and re-encoded without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from enrollment.photos import MAX_BYTES, PhotoError, clean_photo


def jpeg(width: int = 800, height: int = 600, *, exif: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (30, 90, 160))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x0110] = "Phone X"  # Model
        kwargs["exif"] = tags.tobytes()
    image.save(out, "JPEG", **kwargs)
    return out.getvalue()


def code_of(data: bytes) -> str:
    with pytest.raises(PhotoError) as info:
        clean_photo(data)
    return info.value.code


def test_a_phone_photo_is_kept_as_jpeg_without_metadata() -> None:
    cleaned = clean_photo(jpeg(exif=True))
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG" and image.size == (800, 600)
    assert not image.getexif()


def test_png_is_accepted_and_large_photos_are_scaled_down() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), "white").save(out, "PNG")
    image = Image.open(io.BytesIO(clean_photo(out.getvalue())))
    assert image.format == "JPEG" and max(image.size) == 1600


def test_not_an_image() -> None:
    assert code_of(b"hello, I am text") == "photo_not_image"


def test_pdf_renamed_jpg() -> None:
    assert code_of(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF") == "photo_not_image"


def test_gif_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 400)).save(out, "GIF")
    assert code_of(out.getvalue()) == "photo_not_image"


def test_too_large_file() -> None:
    assert code_of(b"\xff\xd8" + b"0" * MAX_BYTES) == "photo_too_large"


def test_too_small() -> None:
    assert code_of(jpeg(100, 100)) == "photo_too_small"


def test_decompression_bomb() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # a few KB that would decode to 400 megapixels
    assert len(out.getvalue()) < 200_000
    assert code_of(out.getvalue()) in {"photo_too_large", "photo_not_image"}


def test_truncated_jpeg() -> None:
    assert code_of(jpeg()[:600]) == "photo_unreadable"


def test_empty() -> None:
    assert code_of(b"") == "photo_missing"
