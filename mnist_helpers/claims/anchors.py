"""Published MNIST figures to set beside ours, each with its BibTeX key (book/references.bib) and where it is stated."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mnist_helpers.data.mnist import PIXELS


@dataclass(frozen=True)
class Anchor:
    """One published figure: what was measured, the value, its unit, the BibTeX key, and where the source states it."""

    model: str
    value: float
    unit: str
    source: str  # BibTeX key in book/references.bib
    where: str  # table, figure or page of the source that states the value


# The figures themselves live in anchors.csv beside this module, one row each (group, model, value, unit, BibTeX
# key, where the source states it). Classifiers: test error rates (%) on the MNIST test set, quoted from the table
# of classifiers on the MNIST database page (BibTeX lecun_mnist_page), which names the paper each row comes from
# (`source`): LeCun et al. 1998, and Simard, Steinkraus & Platt 2003. Autoencoders: Hinton & Salakhutdinov 2006,
# Fig. 2B caption: "The average squared errors for the last three rows are 3.00, 8.01, and 13.87" --
# reconstructions of MNIST test images by the 30-dimensional (784-1000-500-250-30) autoencoder, 30-dimensional
# logistic PCA and standard PCA: squared error summed over the 784 pixels in [0, 1], per image.
TABLE = Path(__file__).with_name("anchors.csv")


def _load(group: str) -> tuple[Anchor, ...]:
    with TABLE.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.pop("group") == group]
    return tuple(Anchor(**{**r, "value": float(r["value"])}) for r in rows)  # type: ignore[arg-type]  # CSV columns


CLASSIFIERS = _load("classifiers")
AUTOENCODERS = _load("autoencoders")
ERROR = CLASSIFIERS[0].unit  # "test error (%)"
SQUARED_ERROR = AUTOENCODERS[0].unit  # "squared error per image (sum over 784 pixels in [0, 1])"
HS_CODE_SIZE = 30  # code size of Hinton & Salakhutdinov's MNIST figures

# LeCun et al. (1998) two-layer networks (one hidden layer), as chapter 3 shows them (moved here from claims.py).
LECUN_TWO_LAYER = pd.DataFrame(
    [(a.model, a.value) for a in CLASSIFIERS[:5]], columns=["classifier (LeCun et al. 1998)", "test error (%)"]
)


def squared_error_per_image(mse_per_pixel: float, n_pixels: int = PIXELS) -> float:
    """Our per-pixel MSE on [0, 1] pixels in Hinton & Salakhutdinov's unit: squared error summed over an image."""
    if not mse_per_pixel >= 0:
        raise ValueError(f"mse_per_pixel={mse_per_pixel!r} must be a mean squared error >= 0 on pixels in [0, 1].")
    return float(mse_per_pixel) * n_pixels


def table(anchors: tuple[Anchor, ...] | list[Anchor]) -> pd.DataFrame:
    """The anchors as a table: model, value, unit, source key, where stated."""
    return pd.DataFrame([vars(a) for a in anchors], columns=["model", "value", "unit", "source", "where"])


def beside(anchors: tuple[Anchor, ...] | list[Anchor], ours: dict[str, float]) -> pd.DataFrame:
    """Published figures and ours in one table (value column), ours marked with source "this book"."""
    rows = [(a.model, a.value, a.source) for a in anchors]
    rows += [(f"ours: {name}", float(value), "this book") for name, value in ours.items()]
    return pd.DataFrame(rows, columns=["model", anchors[0].unit if anchors else "value", "source"])


def autoencoders_beside(table: pd.DataFrame, code_size: int = HS_CODE_SIZE) -> pd.DataFrame:
    """Hinton & Salakhutdinov's 30-dimensional figures with ours at the code size nearest `code_size`, per method.

    `table` has method, code_size and mse (per pixel, pixels in [0, 1]), as rate_distortion.compression_table
    returns it; ours are converted to squared error per image.
    """
    missing = {"method", "code_size", "mse"} - set(table.columns)
    if missing:
        raise ValueError(f"table is missing {sorted(missing)}; pass rate_distortion.compression_table's output.")
    ours = {}
    for method, rows in table.groupby("method", sort=False):
        row = rows.loc[(rows["code_size"] - code_size).abs().idxmin()]
        ours[f"{method}, code {int(row['code_size'])}"] = squared_error_per_image(float(row["mse"]))
    return beside(AUTOENCODERS, ours)
