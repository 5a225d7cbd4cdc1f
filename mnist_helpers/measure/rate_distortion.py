"""Autoencoders and PCA measured as codecs: test reconstructions, throughput and the rate-distortion table."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from mnist_helpers.data.mnist import MNIST, PIXELS, to_tensor
from mnist_helpers.measure.compress import (
    CODE_BITS,
    INPUT_BITS,
    compression_ratio,
    pca_baseline,
    pca_parameters,
    rate_distortion_table,
    reconstruction_metrics,
)
from mnist_helpers.measure.metrics import mean_interval
from mnist_helpers.models import torch_nets as models
from mnist_helpers.training.inference import encode

if TYPE_CHECKING:
    from mnist_helpers.recipes.saved import Trained

AE_NAMES = {"dense_ae": "dense autoencoder", "conv_ae": "conv autoencoder", "pca": "PCA"}


def pca_reconstructions(split: MNIST, code_sizes: list[int], seed: int = 0) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """PCA fitted on the training images at each code size: {code_size: (test codes, test reconstructions)}."""
    flat = lambda images: images.reshape(len(images), -1).astype(np.float32) / 255.0
    return {k: pca_baseline(flat(split.train_images), flat(split.test_images), k, seed) for k in code_sizes}


def codec_throughput(model: Any, images: torch.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """Images per second through the encoder and through the decoder (batched inference, one pass each)."""
    start = time.perf_counter()
    codes = encode(model, images, batch_size)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(codes), batch_size):
            model.decode(torch.from_numpy(codes[i : i + batch_size]))
    return len(images) / encode_s, len(images) / (time.perf_counter() - start)


def compression_table(
    split: MNIST, autoencoders: dict[tuple[str, int], Trained], pca: dict[int, tuple[np.ndarray, np.ndarray]]
) -> pd.DataFrame:
    """Rate-distortion rows for every autoencoder and PCA code size: ratio, MSE, PSNR, SSIM, params, throughput.

    params counts what the decoding side must store: the autoencoder's decoder alone; PCA's components and mean.
    Throughput is measured for the autoencoders only (NaN for PCA: use `records`).
    """
    original = split.test_images.astype(np.float32) / 255.0
    x = to_tensor(split.test_images, normalize=False)
    rows = []
    for (kind, k), trained in autoencoders.items():
        enc, dec = codec_throughput(trained.model, x)
        rows.append(
            {
                "method": AE_NAMES[kind],
                "code_size": k,
                **reconstruction_metrics(original, trained.outputs[:, 0]),
                "params": models.count_parameters(trained.model.decoder),  # what the decoding side stores
                "encode img/s": enc,
                "decode img/s": dec,
            }
        )
    for k, (_, recon) in pca.items():
        rows.append(
            {
                "method": AE_NAMES["pca"],
                "code_size": k,
                **reconstruction_metrics(original, recon.reshape(-1, 28, 28)),
                "params": pca_parameters(k),
            }
        )
    extra = {(r["method"], r["code_size"]): (r.get("encode img/s"), r.get("decode img/s")) for r in rows}
    table = rate_distortion_table(rows)
    table["encode img/s"] = [extra[(m, c)][0] for m, c in zip(table["method"], table["code_size"])]
    table["decode img/s"] = [extra[(m, c)][1] for m, c in zip(table["method"], table["code_size"])]
    return table


SEED_MEASURES = ("mse", "psnr", "ssim")  # reconstruction measures that vary with the training seed
THROUGHPUT = ("encode img/s", "decode img/s")


def over_seeds(tables: Sequence[pd.DataFrame], measures: Sequence[str] = SEED_MEASURES) -> pd.DataFrame:
    """`compression_table`s of one set of models per training seed, as one table: per (method, code size), the mean
    over the tables holding that row of each of `measures` and of the throughput, `<measure>_half` (the half-width of
    the 95% t interval of that mean) and `seeds` (how many tables held the row).

    The interval holds the spread between training runs only: every run is scored on the same test images, whose
    sampling error all rows share. A row in one table only (PCA, which no training seed changes: pass it with one
    seed's models) has no interval (NaN).
    """
    if not tables:
        raise ValueError("over_seeds needs one compression_table per seed; got none.")
    long = pd.concat(tables, ignore_index=True)
    groups = long.groupby(["method", "code_size"], sort=False)
    averaged = [c for c in (*measures, *THROUGHPUT) if c in long.columns]
    rest = [c for c in long.columns if c not in ("method", "code_size")]
    out = groups.agg({c: ("mean" if c in averaged else "first") for c in rest}).reset_index()

    def half_width(values: pd.Series) -> float:
        interval = mean_interval(values.to_numpy())
        return (interval["high"] - interval["low"]) / 2

    halves = {m: groups[m].agg(half_width) for m in measures}
    columns = []
    for c in tables[0].columns:
        columns.append(c)
        if c in halves:
            out[f"{c}_half"] = halves[c].to_numpy()
            columns.append(f"{c}_half")
    out["seeds"] = groups.size().to_numpy()
    return out[[*columns, "seeds"]]


def seed_values(tables: Sequence[pd.DataFrame], method: str, code_size: int, measure: str) -> list[float]:
    """One model's `measure` in each seed's table that holds it (for `metrics.mean_interval`)."""
    return [
        float(t.loc[(t["method"] == method) & (t["code_size"] == code_size), measure].iloc[0])
        for t in tables
        if ((t["method"] == method) & (t["code_size"] == code_size)).any()
    ]


MISSING = "—"  # shown where a measure does not apply (PCA's throughput, PCA's spread over seeds)


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as JSON-ready rows: NaN and <NA> become None (JSON null), numpy scalars plain numbers."""

    def plain(v: Any) -> Any:
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.item() if hasattr(v, "item") else v

    return [{k: plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def compression_phrase(code_size: int) -> str:
    """Both compression ratios of a code, named: e.g. 32 -> '24.5× in numbers, 6.1× in bits'."""
    r = compression_ratio(code_size)
    return (
        f"{r['dimension_ratio']:.1f}× in numbers ({PIXELS} pixels → {code_size} code values), "
        f"{r['bit_ratio']:.1f}× in bits ({INPUT_BITS}-bit pixels → float{CODE_BITS} codes)"
    )
