"""IDX reading and writing: round trips and every kind of malformed file."""

import gzip

import numpy as np
import pytest

from mnist_helpers.data.idx import IDXError, read_bytes, read_idx
from tests.idx_files import encode_idx, write_idx


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_uint8_images_round_trip_raw_and_gzipped(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / name, images)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.uint8 and back.shape == (5, 28, 28)
    np.testing.assert_array_equal(back, images)


def test_gzip_is_detected_by_content_not_by_name(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    (tmp_path / "labels").write_bytes(gzip.compress(encode_idx(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), labels)


def test_other_dtypes_round_trip(tmp_path):
    arr = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    write_idx(tmp_path / "f.idx", arr)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), arr)


def test_wrong_magic_names_the_file(tmp_path):
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x12\x34\x08\x01" + b"\x00\x00\x00\x01" + b"\x00")
    with pytest.raises(IDXError, match="bad-magic.*wrong magic number"):
        read_idx(path)


def test_truncated_file_names_the_file_and_sizes(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(encode_idx(np.zeros((4, 28, 28), np.uint8))[:-10])
    with pytest.raises(IDXError, match="short.*truncated.*\\(4, 28, 28\\)"):
        read_idx(path)


def test_trailing_bytes_are_rejected(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(encode_idx(np.zeros(3, np.uint8)) + b"xx")
    with pytest.raises(IDXError, match="long.*trailing bytes"):
        read_idx(path)


def test_truncated_header_is_rejected(tmp_path):
    path = tmp_path / "header"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(IDXError, match="header.*truncated header"):
        read_idx(path)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(encode_idx(np.zeros((2, 28, 28), np.uint8)))[:-8])
    with pytest.raises(IDXError, match="x.gz.*gzip stream is corrupt"):
        read_idx(path)


def test_empty_file_is_rejected(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with pytest.raises(IDXError, match="empty.*too short"):
        read_idx(path)


def gzip_bomb(path, size: int) -> None:
    """A gzip file of `size` zero bytes, written without ever holding them in memory."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        chunk = bytes(1 << 20)
        for _ in range(size >> 20):
            f.write(chunk)


def test_gzip_bomb_is_stopped_at_the_cap_without_filling_memory(tmp_path):
    import tracemalloc

    bomb = tmp_path / "train-labels-idx1-ubyte.gz"
    gzip_bomb(bomb, 100 << 20)  # 100 MB once inflated, ~100 KB on disk
    tracemalloc.start()
    try:
        with pytest.raises(IDXError, match=r"train-labels-idx1-ubyte.gz: decompresses to more than the 60008 bytes"):
            read_bytes(bomb, max_size=60008)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20, f"peak {peak} bytes: decompressed far past the cap"


def test_file_within_its_cap_reads_whole(tmp_path):
    data = encode_idx(np.arange(10, dtype=np.uint8))
    (tmp_path / "x.gz").write_bytes(gzip.compress(data))
    assert read_bytes(tmp_path / "x.gz", max_size=len(data)) == data


def test_raw_file_larger_than_its_cap_is_refused_unread(tmp_path):
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(20000))
    with pytest.raises(IDXError, match=r"t10k-labels-idx1-ubyte: 20000 bytes, more than the 10008 expected"):
        read_bytes(tmp_path / "t10k-labels-idx1-ubyte", max_size=10008)
