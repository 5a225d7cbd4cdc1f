"""Chapter 6's table: JSON nulls instead of NaN, "—" on the page, decoder-only parameters, both ratios named."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.measure import rate_distortion
from mnist_helpers.models import torch_nets as models
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce.run_record import Run


def small_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": ["PCA", "dense autoencoder"],
            "code_size": [32, 32],
            "ratio": [24.5, 24.5],
            "bit_ratio": [6.125, 6.125],
            "mse": [0.0077, 0.0070],
            "params": pd.array([25872, 100], dtype="Int64"),
            "encode img/s": [math.nan, 1e5],
        }
    )


def test_records_write_null_where_the_table_has_nan_and_parse_as_strict_json():
    rows = rate_distortion.records(small_table())
    text = json.dumps(rows, allow_nan=False)  # raises on NaN
    assert json.loads(text)[0]["encode img/s"] is None and rows[1]["params"] == 100


def test_display_table_shows_a_dash_and_names_both_ratios():
    shown = rate_distortion.display_table(small_table())
    assert shown.iloc[0][rate_distortion.DISPLAY_NAMES["params"]] == 25872
    assert shown.iloc[0]["encode img/s"] == rate_distortion.MISSING
    assert "numbers" in rate_distortion.DISPLAY_NAMES["ratio"] and "bits" in rate_distortion.DISPLAY_NAMES["bit_ratio"]
    assert "NaN" not in shown.to_string()


def test_compression_phrase_states_numbers_and_bits():
    assert rate_distortion.compression_phrase(32).startswith("24.5× in numbers") and "6.1× in bits" in (
        rate_distortion.compression_phrase(32)
    )


def test_autoencoder_params_count_the_decoder_only(tmp_path):
    split = data.load_split(200, 100, seed=0)
    run = Run("test", {"profile": "test"}, tmp_path)
    ae = reuse.train_autoencoder("dense_ae", 8, split, run, epochs=1, batch_size=64)
    table = rate_distortion.compression_table(
        split, {("dense_ae", 8): ae}, rate_distortion.pca_reconstructions(split, [8])
    )
    params = table.set_index("method").loc["dense autoencoder", "params"]
    assert params == models.count_parameters(ae.model.decoder) < models.count_parameters(ae.model)
    assert np.isnan(table.set_index("method").loc["PCA", "encode img/s"])


def test_records_refuse_nothing_json_cannot_hold():
    with pytest.raises(ValueError):
        json.dumps(small_table().to_dict("records"), allow_nan=False)  # the bare table is not valid JSON
