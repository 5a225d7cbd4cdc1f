"""The book's look, set once per notebook: figures sharp on any screen, one colour per series, tables in full."""

from __future__ import annotations

import matplotlib as mpl
import pandas as pd
from cycler import cycler

# Okabe & Ito's colour-blind-safe palette, in the order series take them: vermillion last, since beside orange
# it reads as the same hue to many eyes, and yellow late (faint on white).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442", "#D55E00")


def use_book_style() -> None:
    """Set matplotlib and pandas for the book: the Okabe-Ito colour cycle, no figure titles' extra size,
    PNGs at twice the pixels of their displayed size (retina) with a 256-colour palette when run in IPython
    (`png.compact_png`), and tables that show
    every cell in full (no "…") without their dimensions."""
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "axes.titlesize": "medium",
        }
    )
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.show_dimensions", False)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython: nothing displays inline
        return
    shell = get_ipython()
    if shell is not None:
        from matplotlib.figure import Figure

        from mnist_helpers.figures.png import compact_retina_figure

        set_matplotlib_formats("retina")
        shell.display_formatter.formatters["image/png"].for_type(Figure, compact_retina_figure)
