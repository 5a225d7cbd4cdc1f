"""A figure as one HTML element, for pasting onto another page (myst-nb's cross-page `{glue}` drops alt text)."""

from __future__ import annotations

import base64
import io
from html import escape

from matplotlib.figure import Figure

from mnist_helpers.figures.png import compact_png

RETINA = 2  # pixels per CSS pixel: sharp on high-density screens, the displayed size is set by `width`


def figure_html(fig: Figure, alt: str, caption: str, *, dpi: float = 100.0, css_class: str = "glued-figure") -> str:
    """`fig` as a `<figure>`: an `<img>` with `alt` text, an embedded palette PNG at `RETINA` times `dpi` shown at
    `dpi` per inch, and `caption`.

    Raises ValueError for empty `alt`: every figure on the pages says what it shows.
    """
    if not alt.strip():
        raise ValueError("alt is empty: say in words what the figure shows (screen readers read it)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi * RETINA, bbox_inches="tight")
    png = compact_png(buffer.getvalue())
    width_px = int.from_bytes(png[16:20], "big") / RETINA  # the IHDR chunk's width, after the tight crop
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="{escape(css_class)}"><img alt="{escape(alt)}" style="width:{width_px:.0f}px;max-width:100%" '
        f'src="data:image/png;base64,{data}"><figcaption>{escape(caption)}</figcaption></figure>'
    )
