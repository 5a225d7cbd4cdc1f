"""reproduce.chapters: which notebooks a run executes, in order, and which ones --only names."""

import pytest

from mnist_helpers.reproduce.chapters import notebooks, select
from mnist_helpers.reproduce.params import ParameterError


def _folder(tmp_path, *names):
    for name in names:
        (tmp_path / name).write_text("{}")
    return tmp_path


def test_chapters_come_in_order_then_the_pages_that_read_them(tmp_path):
    folder = _folder(tmp_path, "reproducibility.ipynb", "02_b.ipynb", "01_a.ipynb")
    assert [p.name for p in notebooks(folder)] == ["01_a.ipynb", "02_b.ipynb", "reproducibility.ipynb"]


def test_only_selects_by_prefix_and_refuses_what_matches_nothing(tmp_path):
    found = notebooks(_folder(tmp_path, "01_a.ipynb", "02_b.ipynb", "03_c.ipynb"))
    assert [p.stem for p in select(found, ["01", "03"])] == ["01_a", "03_c"]
    assert select(found, None) == found
    with pytest.raises(ParameterError, match="--only 9: no notebook in .* starts with '9'"):
        select(found, ["9"])
