"""The MNIST data layer: where files are looked for, downloads, bad input, and the real dataset's facts."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.data import stats
from mnist_helpers.data.idx import IDXError
from mnist_helpers.data.mnist import MNISTNotFound, load_mnist
from tests.idx_files import encode_idx

# ---------------------------------------------------------------- tiny synthetic MNIST

SIZES = {"train_images": (20, 28, 28), "train_labels": (20,), "test_images": (10, 28, 28), "test_labels": (10,)}


@pytest.fixture()
def tiny(monkeypatch, tmp_path):
    """A synthetic four-file MNIST with its own checksums patched into the loader; returns {key: (stem, payload)}."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, SIZES["train_images"], dtype=np.uint8),
        "train_labels": np.arange(20, dtype=np.uint8) % 10,
        "test_images": rng.integers(0, 256, SIZES["test_images"], dtype=np.uint8),
        "test_labels": np.arange(10, dtype=np.uint8),
    }
    files, payloads = {}, {}
    for key, arr in arrays.items():
        raw = encode_idx(arr)
        stem = data.FILES[key][0]
        files[key] = (stem, hashlib.sha256(raw).hexdigest())
        payloads[stem + ".gz"] = gzip.compress(raw, mtime=0)
    monkeypatch.setattr(data, "FILES", files)
    monkeypatch.setattr(data, "SHAPES", SIZES)
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "cache"))
    return payloads


def write_dir(directory, payloads):
    directory.mkdir(parents=True, exist_ok=True)
    for name, payload in payloads.items():
        (directory / name).write_bytes(payload)
    return directory


def test_explicit_directory_comes_first(tiny, tmp_path, monkeypatch):
    explicit = write_dir(tmp_path / "explicit", tiny)
    monkeypatch.setenv("MNIST_DATA_DIR", str(write_dir(tmp_path / "env", tiny)))
    assert load_mnist(explicit, download=False).source == explicit


def test_env_directory_is_used_when_no_explicit_one(tiny, tmp_path, monkeypatch):
    env = write_dir(tmp_path / "env", tiny)
    monkeypatch.setenv("MNIST_DATA_DIR", str(env))
    ds = load_mnist(download=False)
    assert ds.source == env and ds.train_images.shape == (20, 28, 28)


def test_user_cache_is_used_last(tiny, tmp_path):
    cache = write_dir(tmp_path / "cache", tiny)
    assert load_mnist(download=False).source == cache


def test_raw_uncompressed_files_are_accepted(tiny, tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    for name, payload in tiny.items():
        (d / name.removesuffix(".gz")).write_bytes(gzip.decompress(payload))
    np.testing.assert_array_equal(load_mnist(d, download=False).test_labels, np.arange(10))


def test_no_data_and_no_network_lists_every_place_and_both_fixes(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(MNISTNotFound) as err:
        load_mnist(tmp_path / "explicit", mirrors=[f"http://127.0.0.1:{closed_port()}/"], timeout=2)
    msg = str(err.value)
    for place in ("data_dir argument", "$MNIST_DATA_DIR", "user cache", str(tmp_path / "cache"), "127.0.0.1"):
        assert place in msg
    assert "MNIST_DATA_DIR" in msg and "connect to the internet" in msg


def test_checksum_mismatch_names_the_file(tiny, tmp_path):
    d = write_dir(tmp_path / "d", tiny)
    stem = data.FILES["test_labels"][0]
    (d / f"{stem}.gz").write_bytes(gzip.compress(encode_idx(np.zeros(10, np.uint8))))
    with pytest.raises(IDXError, match=f"{stem}.gz: sha256 .* expected"):
        load_mnist(d, download=False)


def test_truncated_file_in_data_dir_names_the_file(tiny, tmp_path):
    d = write_dir(tmp_path / "d", tiny)
    stem = data.FILES["train_images"][0]
    (d / stem).write_bytes(gzip.decompress(tiny[stem + ".gz"])[:-100])
    (d / f"{stem}.gz").unlink()
    with pytest.raises(IDXError, match=f"{stem}: "):
        load_mnist(d, download=False, verify=False)


def test_wrong_size_file_is_rejected(tiny, tmp_path, monkeypatch):
    d = write_dir(tmp_path / "d", tiny)
    monkeypatch.setattr(data, "SHAPES", {**SIZES, "test_labels": (11,)})
    with pytest.raises(IDXError, match=r"t10k-labels-idx1-ubyte.gz: shape \(10,\), expected \(11,\)"):
        load_mnist(d, download=False)


def test_plain_http_builtin_mirror_is_refused():
    with pytest.raises(ValueError, match="only https"):
        data._check_mirrors(["http://example.invalid/"], explicit=False)
    with pytest.raises(ValueError, match="only https"):
        data._check_mirrors(["ftp://example.invalid/"], explicit=True)


def test_builtin_mirrors_are_https_and_several():
    assert len(data.MIRRORS) >= 2 and all(m.startswith("https://") for m in data.MIRRORS)


# ---------------------------------------------------------------- downloads through a real local server


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An HTTP server on 127.0.0.1 serving `payloads`, in one of three modes: good, corrupt, drop."""

    def __init__(self, payloads: dict[str, bytes], mode: str = "good"):
        outer = self
        self.requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = payloads.get(self.path.rsplit("/", 1)[-1])
                if body is None:
                    self.send_error(404)
                    return
                if mode == "corrupt":
                    body = body[:-20] + bytes(20)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "drop":  # half the file, then the connection goes away
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def cache_files(tmp_path):
    cache = tmp_path / "cache"
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_download_good_files_into_cache(tiny, tmp_path):
    with Server(tiny) as server:
        ds = load_mnist(mirrors=[server.url], timeout=5)
    assert ds.source == tmp_path / "cache"
    assert cache_files(tmp_path) == sorted(tiny)
    np.testing.assert_array_equal(ds.train_labels, np.arange(20) % 10)


def test_corrupted_download_leaves_nothing_in_cache(tiny, tmp_path):
    with Server(tiny, mode="corrupt") as server, pytest.raises(MNISTNotFound, match="sha256|corrupt|Error"):
        load_mnist(mirrors=[server.url], timeout=5)
    assert cache_files(tmp_path) == []


def test_connection_dropped_mid_file_leaves_nothing_in_cache(tiny, tmp_path):
    with Server(tiny, mode="drop") as server, pytest.raises(MNISTNotFound):
        load_mnist(mirrors=[server.url], timeout=5)
    assert cache_files(tmp_path) == []


def test_mirror_down_falls_through_to_the_next(tiny, tmp_path):
    down = f"http://127.0.0.1:{closed_port()}/mnist/"
    with Server(tiny) as server:
        ds = load_mnist(mirrors=[down, server.url], timeout=5)
        assert len(server.requests) == 4
    assert ds.test_images.shape == (10, 28, 28)


def test_corrupt_first_mirror_falls_through_to_a_good_one(tiny, tmp_path):
    with Server(tiny, mode="corrupt") as bad, Server(tiny) as good:
        load_mnist(mirrors=[bad.url, good.url], timeout=5)
    assert cache_files(tmp_path) == sorted(tiny)


def test_leftover_temp_file_is_not_mistaken_for_data(tiny, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".train-images-idx3-ubyte.gz.1.abcdefgh.mnist-tmp").write_bytes(b"half")
    with Server(tiny) as server:
        assert load_mnist(mirrors=[server.url], timeout=5).train_images.shape == (20, 28, 28)


def test_downloads_go_through_pooch_with_the_timeout_and_no_network(tiny, tmp_path, monkeypatch):
    import pooch

    calls = []

    def fake_retrieve(url, known_hash, fname, path, downloader):
        calls.append((url, known_hash, downloader.kwargs["timeout"]))
        (Path(path) / fname).write_bytes(tiny[fname])
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    ds = load_mnist(mirrors=["https://mirror.invalid/mnist/"], timeout=7)
    assert ds.source == tmp_path / "cache" and cache_files(tmp_path) == sorted(tiny)
    assert sorted(url for url, _, _ in calls) == sorted("https://mirror.invalid/mnist/" + name for name in tiny)
    assert {(h, t) for _, h, t in calls} == {(None, 7)}  # the decompressed sha256 is checked by the loader


# ---------------------------------------------------------------- folders that are wrong, named (issue 13 case 14)


def test_data_dir_env_pointing_at_a_file_says_it_is_a_file(tiny, tmp_path, monkeypatch):
    write_dir(tmp_path / "cache", tiny)  # a good cache must not hide the mistake
    (tmp_path / "mnist.gz").write_bytes(b"x")
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "mnist.gz"))
    with pytest.raises(NotADirectoryError, match=r"\$MNIST_DATA_DIR = .*mnist.gz is a file, not a folder"):
        load_mnist(download=False)


def test_explicit_folder_missing_one_file_names_it_and_does_not_fall_back_to_the_cache(tiny, tmp_path):
    write_dir(tmp_path / "cache", tiny)
    partial = write_dir(tmp_path / "partial", {k: v for k, v in tiny.items() if not k.startswith("t10k-labels")})
    with pytest.raises(
        MNISTNotFound, match=r"partial lacks 1 of MNIST's 4 files: t10k-labels-idx1-ubyte\[\.gz\]\."
    ) as e:
        load_mnist(partial, download=False)
    assert "train-images" not in str(e.value)


def test_cache_dir_set_to_a_file_says_so(tiny, tmp_path, monkeypatch):
    (tmp_path / "cachefile").write_text("not a folder")
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "cachefile"))
    with (
        Server(tiny) as server,
        pytest.raises(NotADirectoryError, match=r"cachefile is a file, not a folder.*MNIST_CACHE_DIR"),
    ):
        load_mnist(mirrors=[server.url], timeout=5)


# ---------------------------------------------------------------- decompression is capped (issue 13 case 18)


def test_gzip_bomb_from_a_mirror_is_stopped_at_the_known_size(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SIZES", {key: 4 + 4 * len(shape) + int(np.prod(shape)) for key, shape in SIZES.items()})
    bomb = dict(tiny, **{"t10k-labels-idx1-ubyte.gz": gzip.compress(bytes(1 << 20), compresslevel=1)})
    with Server(bomb) as server, pytest.raises(MNISTNotFound, match=r"decompresses to more than the 18 bytes"):
        load_mnist(mirrors=[server.url], timeout=5)
    assert "t10k-labels-idx1-ubyte.gz" not in cache_files(tmp_path)


def test_local_gzip_bomb_is_stopped_at_the_known_size(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SIZES", {key: 4 + 4 * len(shape) + int(np.prod(shape)) for key, shape in SIZES.items()})
    d = write_dir(tmp_path / "d", dict(tiny, **{"t10k-labels-idx1-ubyte.gz": gzip.compress(bytes(1 << 20))}))
    with pytest.raises(IDXError, match=r"t10k-labels-idx1-ubyte.gz: decompresses to more than the 18 bytes"):
        load_mnist(d, download=False)


def test_real_sizes_are_the_caps():
    assert data.SIZES == {"train_images": 47040016, "train_labels": 60008, "test_images": 7840016, "test_labels": 10008}


# ---------------------------------------------------------------- the real MNIST (must be present)


def test_real_shapes_and_dtypes(mnist):
    assert mnist.train_images.shape == (60000, 28, 28) and mnist.train_images.dtype == np.uint8
    assert mnist.test_images.shape == (10000, 28, 28) and mnist.test_labels.shape == (10000,)


def test_real_label_counts(mnist):
    assert stats.label_counts(mnist.train_labels).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert stats.label_counts(mnist.test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_checksums_match_the_published_ones(mnist):
    sums = data.file_checksums(mnist.source)
    assert sums == dict(data.FILES.values())


def test_real_mean_and_std_are_shahs_values(mnist):
    mean, std = stats.direct_mean_std(mnist.train_images)
    assert (round(mean, 4), round(std, 4)) == (data.MEAN, data.STD)


def test_streaming_mean_std_equals_direct(mnist):
    direct = stats.direct_mean_std(mnist.train_images)
    for batch in (64, 1000, 7777):
        np.testing.assert_allclose(stats.streaming_mean_std(mnist.train_images, batch), direct, rtol=1e-9)


def test_images_are_grayscale_not_binary(mnist):
    x = mnist.train_images
    assert ((x > 0) & (x < 255)).mean() > 0.05


def test_to_tensor_normalises_to_zero_mean_unit_std(mnist):
    x = data.to_tensor(mnist.train_images[:20000])
    assert tuple(x.shape) == (20000, 1, 28, 28) and str(x.dtype) == "torch.float32"
    assert abs(float(x.mean())) < 0.01 and abs(float(x.std()) - 1) < 0.01
    raw = data.to_tensor(mnist.train_images[:10], normalize=False)
    assert float(raw.min()) >= 0 and float(raw.max()) <= 1


def test_to_keras_adds_channel_last_and_keeps_raw_values(mnist):
    x = data.to_keras(mnist.test_images[:5])
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.float32 and x.max() == 255


def test_stratified_subset_is_deterministic_and_balanced(mnist):
    a = data.stratified_subset(mnist.train_labels, 1000, seed=3)
    b = data.stratified_subset(mnist.train_labels, 1000, seed=3)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 1000
    share = stats.label_counts(mnist.train_labels[a]) / 1000
    np.testing.assert_allclose(share, stats.label_counts(mnist.train_labels) / 60000, atol=0.002)
    assert not np.array_equal(a, data.stratified_subset(mnist.train_labels, 1000, seed=4))


@pytest.mark.parametrize("n", [0, -5, 60001, 2.5])
def test_stratified_subset_rejects_bad_sizes(n):
    with pytest.raises(ValueError, match="subset size n="):
        data.stratified_subset(np.arange(60000) % 10, n)


def test_load_split_gives_stratified_subsets_and_the_whole_split_by_default(mnist):
    small = data.load_split(600, 200, seed=1)
    assert small.train_images.shape == (600, 28, 28) and small.test_images.shape == (200, 28, 28)
    assert (np.bincount(small.train_labels, minlength=10) >= 50).all()
    whole = data.load_split()
    assert len(whole.train_labels) == data.TRAIN_SIZE and len(whole.test_labels) == data.TEST_SIZE


def test_file_checksums_of_a_folder_missing_a_file_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        data.file_checksums(tmp_path)


def test_relative_data_dir_not_found_names_the_folder_it_was_resolved_against(tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_DATA_DIR", "../shared/data/mnist")
    with pytest.raises(MNISTNotFound) as err:
        load_mnist(download=False)
    assert f"../shared/data/mnist (no such directory, resolved against the working directory {tmp_path})" in str(
        err.value
    )
