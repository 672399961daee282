"""Identity photos are decoded, bounded and re-encoded without metadata."""

from __future__ import annotations

import io
import struct
import zlib
from unittest import mock

import pytest
from PIL import Image, ImageFile, JpegImagePlugin

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


# ---- refused from the header, before decoding ---------------------------------------------


def png_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A PNG whose header declares `width` × `height`: a few hundred bytes, whatever it declares."""
    small = io.BytesIO()
    Image.new("RGB", (1, 1)).save(small, "PNG")
    data = small.getvalue()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return data[:8] + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(png_header(6300, 6300, bit_depth=16), "photo_too_large", id="16-bit-6300x6300"),
        pytest.param(png_header(5000, 5000), "photo_too_large", id="25-megapixels"),
        pytest.param(png_header(1000, 1000, bit_depth=16), "photo_unsupported", id="16-bit-rgb"),
        pytest.param(png_header(1000, 1000, bit_depth=16, colour_type=0), "photo_unsupported", id="16-bit-grey"),
    ],
)
def test_expensive_images_are_refused_without_decoding_a_pixel(data: bytes, code: str) -> None:
    assert len(data) < 1000
    with mock.patch.object(ImageFile.ImageFile, "load", autospec=True) as load:
        assert code_of(data) == code
    load.assert_not_called()


def test_a_real_16_bit_png_is_refused() -> None:
    out = io.BytesIO()
    Image.new("I;16", (600, 400)).save(out, "PNG")
    assert code_of(out.getvalue()) == "photo_unsupported"


def test_24_megapixels_are_accepted_and_a_jpeg_is_decoded_reduced() -> None:
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), (200, 200, 200)).save(out, "JPEG", quality=50)
    draft_of_jpeg = JpegImagePlugin.JpegImageFile.draft
    with mock.patch.object(JpegImagePlugin.JpegImageFile, "draft", autospec=True, side_effect=draft_of_jpeg) as draft:
        image = Image.open(io.BytesIO(clean_photo(out.getvalue())))
    assert max(image.size) == 1600
    assert draft.call_args_list[0].args[1:] == ("YCbCr", (1600, 1066))  # before the pixels are decoded


def test_heic_from_an_iphone_is_refused_with_advice() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    with pytest.raises(PhotoError) as info:
        clean_photo(heic)
    assert info.value.code == "photo_heic" and "JPEG" in info.value.message


def test_a_phone_jpeg_with_a_second_frame_is_accepted() -> None:
    out = io.BytesIO()
    first, second = Image.new("RGB", (800, 600), "red"), Image.new("RGB", (800, 600), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    assert Image.open(io.BytesIO(clean_photo(out.getvalue()))).size == (800, 600)
