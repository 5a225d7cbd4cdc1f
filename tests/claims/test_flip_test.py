"""C8's flip test: the flipped 6s and 9s reach the model flipped, and its readings are tabled per flip."""

import numpy as np
import pytest
import torch
from torch import nn

from mnist_helpers.claims.flip_test import FLIPS, flip_tables


class TopOrBottom(nn.Module):
    """Reads 9 when the ink sits in the top half, 6 when it sits in the bottom half."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        top, bottom = x[:, 0, :14].sum(dim=(1, 2)), x[:, 0, 14:].sum(dim=(1, 2))
        logits = torch.zeros(len(x), 10)
        logits[:, 9], logits[:, 6] = 10 * (top > bottom), 10 * (bottom > top)
        return logits


@pytest.fixture
def sixes_and_nines():
    images = np.zeros((5, 28, 28), np.uint8)
    images[:3, 20] = 255  # "6": ink at the bottom
    images[3:, 5] = 255  # "9": ink at the top
    return images, np.array([6, 6, 6, 9, 9])


def test_each_flip_gives_a_table_of_the_pairs_readings(sixes_and_nines):
    tables = flip_tables(TopOrBottom(), *sixes_and_nines, normalized=False)
    assert list(tables) == list(FLIPS)
    for table in tables.values():
        assert table["images"].to_dict() == {6: 3, 9: 2}
        assert table["read as the other digit (%)"].tolist() == [100.0, 100.0]


def test_unflipped_digits_would_read_as_themselves(sixes_and_nines):
    images, labels = sixes_and_nines
    tables = flip_tables(TopOrBottom(), images[:, ::-1].copy(), labels, normalized=False)  # pre-flipped: back again
    assert tables["vertically flipped"]["read as itself (%)"].tolist() == [100.0, 100.0]


def test_flip_readings_gives_the_share_read_as_the_other_digit():
    from mnist_helpers.claims.flip_test import flip_readings

    def onehot(classes):
        probs = np.zeros((len(classes), 10))
        probs[np.arange(len(classes)), classes] = 1.0
        return probs

    table = flip_readings({6: onehot([9, 9, 9, 6]), 9: onehot([6, 9, 0, 0])})
    assert table.loc[6, "read as the other digit (%)"] == 75.0 and table.loc[6, "read as itself (%)"] == 25.0
    assert table.loc[9, "read as the other digit (%)"] == 25.0 and table.loc[9, "read as another digit (%)"] == 50.0
