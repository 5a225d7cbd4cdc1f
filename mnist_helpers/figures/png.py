"""Lighter PNGs for the pages: a plot has few distinct colours, so a 256-colour palette PNG shows the same picture
at a fraction of the bytes (matplotlib writes 8-bit RGBA and offers no palette output, hence Pillow)."""

from __future__ import annotations

import io
from binascii import b2a_base64
from typing import Any

from PIL import Image

PALETTE_COLOURS = 256  # the most a PNG palette holds: antialiased lines and grey digits need all of them


def compact_png(png: bytes) -> bytes:
    """`png` as a palette PNG of at most PALETTE_COLOURS colours, or `png` itself when that is not smaller.

    Transparency is kept (fast octree quantization handles RGBA); a picture of at most 256 colours comes back
    pixel for pixel."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        info = {k: image.info[k] for k in ("dpi",) if k in image.info}
        rgba = image.convert("RGBA")
    palette = rgba.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True, **info)
    smaller = out.getvalue()
    return smaller if len(smaller) < len(png) else png


def compact_retina_figure(fig: Any) -> tuple[str, dict[str, int]] | None:
    """IPython's retina PNG of `fig` (pixels doubled, shown at half size), compacted, base64-encoded: the inline
    formatter that `style.use_book_style` installs."""
    from IPython.core.pylabtools import retina_figure

    made = retina_figure(fig)
    if made is None:  # an empty figure shows nothing, as in IPython
        return None
    png, metadata = made
    return b2a_base64(compact_png(png), newline=False).decode("ascii"), metadata
