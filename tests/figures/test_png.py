"""Palette PNGs: the same picture in fewer bytes, never a bigger file, and the retina metadata kept."""

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from mnist_helpers.figures.png import compact_png, compact_retina_figure


def _png(array):
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _line_plot():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    x = np.linspace(0, 10, 200)
    for k in range(4):
        ax.plot(x, np.sin(x + k), label=f"series {k}")
    ax.legend()
    return fig


def test_a_line_plot_shrinks_and_looks_the_same():
    fig = _line_plot()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=200)
    plt.close(fig)
    png = out.getvalue()
    small = compact_png(png)
    assert len(small) < 0.5 * len(png)
    diff = np.abs(_pixels(small).astype(int) - _pixels(png).astype(int))
    assert diff.mean() < 2.0  # antialiased edges move by a few levels of 255 at most on average
    assert Image.open(io.BytesIO(small)).mode == "P"


def test_a_picture_of_few_colours_comes_back_pixel_for_pixel():
    rng = np.random.default_rng(0)
    colours = np.array([[255, 255, 255], [0, 114, 178], [230, 159, 0], [0, 0, 0]], dtype=np.uint8)
    array = colours[rng.integers(0, 4, size=(60, 80))]
    png = _png(array)
    assert np.array_equal(_pixels(compact_png(png))[..., :3], array)


def test_a_png_that_a_palette_would_not_shrink_is_returned_as_it_is():
    png = _png(np.zeros((1, 1, 3), dtype=np.uint8))  # one black pixel: a palette adds its PLTE chunk
    assert compact_png(png) == png


def test_the_inline_formatter_keeps_retina_metadata_and_returns_base64():
    fig = _line_plot()
    data, metadata = compact_retina_figure(fig)
    plt.close(fig)
    width, height = Image.open(io.BytesIO(base64.b64decode(data))).size
    assert metadata == {"width": width // 2, "height": height // 2}
    assert abs(width - 2 * 400) < 80  # pixels doubled (bbox_inches="tight" trims a little)
    empty = plt.figure()
    assert compact_retina_figure(empty) is None  # an empty figure shows nothing, as in IPython
    plt.close(empty)
