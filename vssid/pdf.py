"""Fonts and text for the PDFs we draw with fpdf2 (Form 01, the C14-TS statement, the employer's sheet).

Noto Sans from the `fontpkg-noto-sans` wheel is a variable font. Letting fpdf2 instantiate it
(`add_font(..., variations={"wght": 400, "wdth": 100})`) costs about 2 s per face on every render,
so the first render of a process (or `preload_fonts()`) subsets it to the Vietnamese repertoire
and instantiates the three static faces (regular, bold, italic) once, with fontTools, into a
private temporary directory. Every render then loads only those ~30 kB files.

Every text drawn goes through `pdf_text` first: NFC, on one line, and only characters the faces
can draw, so all our PDFs draw Vietnamese the same way.
"""

from __future__ import annotations

import importlib.resources
import io
import logging
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fontTools.subset import Options, Subsetter  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fontTools.varLib import instancer  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import TTFFont

__all__ = ["FAMILY", "Fonts", "add_static_fonts", "pdf_text", "preload_fonts", "static_fonts"]

# fpdf2 subsets each font of each PDF with fontTools, which logs some twenty INFO lines a time (and
# the instancer as many when the fonts are built); the project's root logger is at INFO. Quiet them,
# unless the LOGGING setting says otherwise.
for _name in ("fontTools.subset", "fontTools.varLib.instancer"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

FAMILY: Final = "NotoSans"
_FONT_DIR: Final = Path(str(importlib.resources.files("fontpkg_noto_sans"))) / "files"
_UPRIGHT: Final = _FONT_DIR / "NotoSans[wdth,wght].ttf"
_ITALIC: Final = _FONT_DIR / "NotoSans-Italic[wdth,wght].ttf"
# fpdf style, source file, weight (the width axis stays at 100, normal), style name.
_FACES: Final = (("", _UPRIGHT, 400, "Regular"), ("B", _UPRIGHT, 700, "Bold"), ("I", _ITALIC, 400, "Italic"))

# Basic Latin, Latin-1, the other Vietnamese letters (ă đ ĩ ũ ơ ư), the combining tone marks, the
# precomposed letters of Latin Extended Additional, general punctuation, ₫ € № −. Kept small: every
# render parses and subsets these files again, and that cost grows with the number of glyphs.
# Other letters fall back to their base letter (see `pdf_text`).
_RANGES: Final = (
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x0102, 0x0103),
    (0x0110, 0x0111),
    (0x0128, 0x0129),
    (0x0168, 0x0169),
    (0x01A0, 0x01A1),
    (0x01AF, 0x01B0),
    (0x0300, 0x0303),
    (0x0309, 0x0309),
    (0x0323, 0x0323),
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2027),
    (0x2030, 0x203A),
    (0x20AB, 0x20AC),
    (0x2116, 0x2116),
    (0x2212, 0x2212),
)
_UNICODES: Final = frozenset(cp for lo, hi in _RANGES for cp in range(lo, hi + 1))


@dataclass(frozen=True)
class Fonts:
    files: dict[str, Path]  # fpdf style -> static TTF
    cmap: frozenset[int]  # code points every face can draw


_fonts: Fonts | None = None
_fonts_lock = threading.Lock()
# Kept for the life of the process; its finaliser removes the files at exit.
_font_dir: tempfile.TemporaryDirectory[str] | None = None


def _build_fonts() -> Fonts:
    global _font_dir
    if _font_dir is not None:
        _font_dir.cleanup()
    _font_dir = tempfile.TemporaryDirectory(prefix="vssid-form01-fonts-")
    out = Path(_font_dir.name)
    options = Options()
    options.layout_features = []  # fpdf2 draws without shaping
    options.hinting = False
    options.notdef_outline = True
    options.recommended_glyphs = True
    files: dict[str, Path] = {}
    cmap: frozenset[int] | None = None
    subsets: dict[Path, bytes] = {}
    for style, source, weight, style_name in _FACES:
        if source not in subsets:
            # Subset first (2 MB -> ~100 kB, still variable), then instantiate: ten times faster.
            font = TTFont(source)
            subsetter = Subsetter(options)
            subsetter.populate(unicodes=_UNICODES)
            subsetter.subset(font)
            buf = io.BytesIO()
            font.save(buf)
            subsets[source] = buf.getvalue()
        font = TTFont(io.BytesIO(subsets[source]))
        instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100}, inplace=True, static=True)
        for tag in ("GDEF", "GPOS", "GSUB", "STAT", "gasp"):
            if tag in font:
                del font[tag]
        # Distinct names, so that the PDF's three fonts are NotoSans, NotoSansBold and NotoSansItalic.
        names = font["name"]
        for name_id in (1, 2, 3, 4, 6, 16, 17):
            names.removeNames(nameID=name_id)
        for name_id, value in (
            (1, "Noto Sans"),
            (2, style_name),
            (3, f"NotoSans-{style_name};form01"),
            (4, f"Noto Sans {style_name}"),
            (6, f"NotoSans-{style_name}"),
        ):
            names.setName(value, name_id, 3, 1, 0x409)
        path = out / f"NotoSans-{style_name}.ttf"
        font.save(path)
        files[style] = path
        face_cmap = frozenset(int(cp) for cp in font.getBestCmap())
        cmap = face_cmap if cmap is None else cmap & face_cmap
    return Fonts(files=files, cmap=cmap or frozenset())


def static_fonts() -> Fonts:
    """The static faces, built on the first call of the process and reused by every render after it."""
    global _fonts
    fonts = _fonts
    if fonts is None or not all(path.exists() for path in fonts.files.values()):
        with _fonts_lock:
            fonts = _fonts
            # Rebuilt if something (a /tmp cleaner) removed the files under a long-running process.
            if fonts is None or not all(path.exists() for path in fonts.files.values()):
                fonts = _fonts = _build_fonts()
    return fonts


def preload_fonts() -> None:
    """Prepare the static fonts now (about 1 s), e.g. when a worker starts, rather than on the first render."""
    static_fonts()


def add_static_fonts(pdf: FPDF, fonts: Fonts) -> None:
    """Register the three faces as FAMILY on `pdf`."""
    for style, path in fonts.files.items():
        pdf.add_font(FAMILY, style, str(path))
    for font in pdf.fonts.values():
        # The static files already carry exact bounding boxes; without this, fontTools decodes
        # and re-encodes every glyph outline when fpdf2 subsets the font (a third of the time).
        if isinstance(font, TTFFont):
            font.ttfont.recalcBBoxes = False


def pdf_text(value: str, cmap: frozenset[int]) -> str:
    """NFC, on one line, and only characters the font has: others lose their marks, or become "?"."""
    value = " ".join(unicodedata.normalize("NFC", value).split())
    if all(ord(ch) in cmap for ch in value):
        return value
    out: list[str] = []
    for ch in value:
        if ord(ch) in cmap:
            out.append(ch)
            continue
        base = [c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)]
        out.append("".join(base) if base and all(ord(c) in cmap for c in base) else "?")
    return "".join(out)
