"""Published anchors: each figure cites a BibTeX entry; our MSE converts to Hinton & Salakhutdinov's unit."""

import re
from pathlib import Path

import pytest

from mnist_helpers.claims import anchors

BIB = Path(__file__).resolve().parents[2] / "book" / "references.bib"


def bib_keys() -> set[str]:
    return set(re.findall(r"@\w+\{([^,]+),", BIB.read_text()))


def test_every_anchor_cites_an_entry_of_the_bibliography():
    keys = bib_keys()
    for anchor in anchors.CLASSIFIERS + anchors.AUTOENCODERS:
        assert anchor.source in keys, anchor
    assert "lecun_mnist_page" in keys and all("lecun_mnist_page" in a.where for a in anchors.CLASSIFIERS)


def test_per_pixel_mse_becomes_squared_error_summed_over_the_784_pixels():
    assert anchors.squared_error_per_image(0.00769) == pytest.approx(0.00769 * 784)
    assert anchors.squared_error_per_image(13.87 / 784) == pytest.approx(13.87)  # H&S's PCA figure, back and forth


def test_a_negative_mse_is_refused():
    with pytest.raises(ValueError, match="mse_per_pixel"):
        anchors.squared_error_per_image(-1.0)


def test_lecun_two_layer_table_keeps_the_chapters_rows():
    assert anchors.LECUN_TWO_LAYER["test error (%)"].tolist() == [4.7, 3.6, 1.6, 4.5, 3.8]


def test_beside_puts_ours_under_the_published_figures_in_the_same_unit():
    t = anchors.beside(anchors.AUTOENCODERS, {"dense autoencoder, code 32": 5.1})
    assert t.columns[1] == anchors.SQUARED_ERROR and len(t) == 4
    assert t.iloc[-1]["source"] == "this book" and t.iloc[0]["model"].startswith("deep autoencoder")


def test_autoencoders_beside_picks_the_code_size_nearest_30_per_method():
    import pandas as pd

    table = pd.DataFrame(
        {"method": ["PCA", "PCA", "dense autoencoder"], "code_size": [16, 32, 64], "mse": [0.02, 0.01, 0.005]}
    )
    t = anchors.autoencoders_beside(table)
    ours = t[t["source"] == "this book"].set_index("model")[anchors.SQUARED_ERROR]
    assert ours.to_dict() == pytest.approx({"ours: PCA, code 32": 7.84, "ours: dense autoencoder, code 64": 3.92})
