"""MNIST data: find or download (pooch) the four IDX files, verify them, and hand them out as arrays and tensors."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.core.env import CACHE_DIR_ENV, DATA_DIR_ENV
from mnist_helpers.data.idx import IDXError, gunzip, parse_idx, read_bytes

SIDE = 28  # image height and width, pixels
PIXELS = SIDE * SIDE  # 784 values per image: the MLP's input size and the largest meaningful code size
N_CLASSES = 10  # digits 0-9
TRAIN_SIZE = 60000  # images in MNIST's official training split
TEST_SIZE = 10000  # images in MNIST's official test split
MEAN = 0.1307  # Shah's normalisation mean, pixels scaled to [0, 1]
STD = 0.3081  # Shah's normalisation std, pixels scaled to [0, 1]

# sha256 of the *decompressed* IDX bytes (shared/data/mnist/README.md).
FILES = {
    "train_images": ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train_labels": ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "test_images": ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "test_labels": ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
SHAPES = {
    "train_images": (TRAIN_SIZE, SIDE, SIDE),
    "train_labels": (TRAIN_SIZE,),
    "test_images": (TEST_SIZE, SIDE, SIDE),
    "test_labels": (TEST_SIZE,),
}
# Decompressed IDX bytes of each file (4-byte magic, 4 bytes per dimension, one byte per value): the cap on
# decompression, so a corrupt or hostile .gz never inflates beyond the file it claims to be.
SIZES = {key: 4 + 4 * len(shape) + int(np.prod(shape)) for key, shape in SHAPES.items()}

# Public mirrors of the gzipped files, tried in turn; every download is sha256-verified whatever its source.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://raw.githubusercontent.com/fgnt/mnist/master/",
)
DOWNLOAD_TIMEOUT = 30.0  # seconds per connection attempt


class MNISTNotFound(FileNotFoundError):
    """No copy of MNIST anywhere the loader looked, and no mirror could be reached."""


@dataclass(frozen=True)
class MNIST:
    """The official split: 60,000 training and 10,000 test images (uint8, 28x28) with their labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: Path  # the directory the files were read from


def cache_dir() -> Path:
    """The user cache directory for downloaded MNIST files ($MNIST_CACHE_DIR, else XDG cache)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mnist_helpers" / "mnist"


def _find_file(directory: Path, stem: str) -> Path | None:
    """The gzipped or raw copy of `stem` in `directory`, if there is one."""
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def _decode(path: Path, key: str, data: bytes, verify: bool) -> np.ndarray:
    """Check one file's checksum and shape and return its array."""
    stem, sha = FILES[key]
    if verify:
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha:
            raise IDXError(
                f"{path}: sha256 of the decompressed bytes is {digest}, expected {sha} for {stem}. "
                "The file is corrupt or not the canonical MNIST file: delete it and fetch it again."
            )
    arr = parse_idx(data, name=str(path))
    if verify and arr.shape != SHAPES[key]:
        raise IDXError(f"{path}: shape {arr.shape}, expected {SHAPES[key]} for {stem}.")
    return arr


def _missing(directory: Path) -> list[str]:
    """The names (gzipped or raw) of the four files not in `directory`."""
    return [stem + "[.gz]" for stem, _ in FILES.values() if _find_file(directory, stem) is None]


def _read_dir(directory: Path, verify: bool) -> MNIST | None:
    """Load all four files from `directory`; None if any is missing there."""
    paths = {key: p for key, (stem, _) in FILES.items() if (p := _find_file(directory, stem)) is not None}
    if len(paths) < len(FILES):
        return None
    arrays = {key: _decode(p, key, read_bytes(p, SIZES[key]), verify) for key, p in paths.items()}
    if len(arrays["train_images"]) != len(arrays["train_labels"]) or len(arrays["test_images"]) != len(
        arrays["test_labels"]
    ):
        raise IDXError(f"{directory}: image and label files disagree on the number of examples.")
    return MNIST(**arrays, source=directory)


def _check_explicit(label: str, directory: Path) -> None:
    """A folder the user named (argument or $MNIST_DATA_DIR) must be a folder holding all four files."""
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(
            f"{label} = {directory} is a file, not a folder: point it at the folder holding MNIST's four IDX files."
        )
    if directory.is_dir() and (missing := _missing(directory)):
        raise MNISTNotFound(
            f"{label} = {directory} lacks {len(missing)} of MNIST's 4 files: {', '.join(missing)}. Copy them there "
            "(offline machines: ../shared/data/mnist), or unset it to use the user cache or a download."
        )


def _check_cache(cache: Path) -> None:
    """The cache location must be a folder (or not exist yet)."""
    if cache.exists() and not cache.is_dir():
        raise NotADirectoryError(
            f"MNIST cache {cache} is a file, not a folder: move the file away, or set MNIST_CACHE_DIR to a folder."
        )


def _fetch(url: str, name: str, timeout: float) -> bytes:
    """The whole file at `url`, fetched by pooch into a scratch folder (a partial download raises, never returns)."""
    import pooch  # only to download: importing it loads tqdm.auto, which warns in kernels without ipywidgets

    logger, level = pooch.get_logger(), pooch.get_logger().level
    logger.setLevel(logging.WARNING)  # known_hash=None would log a .gz hash that is not the one we check
    try:
        with tempfile.TemporaryDirectory(prefix="mnist-download-") as scratch:
            fetch = pooch.HTTPDownloader(timeout=timeout)  # no progress bar
            return Path(pooch.retrieve(url, known_hash=None, fname=name, path=scratch, downloader=fetch)).read_bytes()
    finally:
        logger.setLevel(level)


def _download(
    key: str, stem: str, sha: str, mirrors: Sequence[str], target_dir: Path, timeout: float
) -> tuple[Path | None, list[str]]:
    """Fetch `stem`.gz from the first mirror that serves the right bytes; move it into `target_dir` atomically.

    pooch downloads; the checks stay hand-written because pooch can only hash the .gz as served, and MNIST is
    identified by the sha256 of its decompressed bytes (mirrors gzip them differently), decompressed capped."""
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + stem + ".gz"
        try:
            payload = _fetch(url, stem + ".gz", timeout)
            digest = hashlib.sha256(gunzip(payload, SIZES[key], name=url)).hexdigest()
            if digest != sha:
                raise OSError(f"sha256 {digest} does not match {sha}")
        except (OSError, ValueError) as e:  # requests' errors are OSErrors; IDXError is a ValueError
            errors.append(f"{url}: {e}")
            continue
        final = target_dir / (stem + ".gz")
        with atomic_path(final) as tmp:
            tmp.write_bytes(payload)
        return final, errors
    return None, errors


def _check_mirrors(mirrors: Sequence[str], explicit: bool) -> list[str]:
    """Built-in mirrors must be HTTPS; plain http only for mirrors the caller names explicitly."""
    out = []
    for m in mirrors:
        scheme = m.split(":", 1)[0].lower()
        if scheme not in ("https", "http") or (scheme == "http" and not explicit):
            raise ValueError(
                f"mirror {m!r}: only https:// URLs (or http:// passed explicitly via mirrors=) are allowed."
            )
        out.append(m)
    return out


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    verify: bool = True,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> MNIST:
    """Load MNIST from `data_dir`, else $MNIST_DATA_DIR, else the user cache, else download into the cache.

    Every file is checked: IDX magic number, dimensions and byte count, and (when `verify`) the sha256 of
    its decompressed bytes. Downloads go to a temporary file and are moved into the cache only when whole
    and verified, so an interrupted or failed download leaves nothing behind.
    """
    looked: list[str] = []
    candidates: list[tuple[str, Path]] = []
    if data_dir is not None:
        candidates.append(("data_dir argument", Path(data_dir).expanduser()))
    if os.environ.get(DATA_DIR_ENV):
        candidates.append((f"${DATA_DIR_ENV}", Path(os.environ[DATA_DIR_ENV]).expanduser()))
    cache = cache_dir()
    _check_cache(cache)
    candidates.append(("user cache", cache))
    for label, directory in candidates:
        if label != "user cache":
            _check_explicit(label, directory)
        found = _read_dir(directory, verify) if directory.is_dir() else None
        if found is not None:
            return found
        relative = "" if directory.is_absolute() else f", resolved against the working directory {Path.cwd()}"
        why = "missing files" if directory.is_dir() else "no such directory"
        looked.append(f"{label}: {directory} ({why}{relative})")

    errors: list[str] = []
    if download:
        chosen = _check_mirrors(mirrors, explicit=True) if mirrors is not None else list(MIRRORS)
        for key, (stem, sha) in FILES.items():
            if _find_file(cache, stem) is not None:
                continue
            path, errs = _download(key, stem, sha, chosen, cache, timeout)
            errors += errs
            if path is None:
                break
        else:
            found = _read_dir(cache, verify)
            if found is not None:
                return found
    else:
        errors.append("download=False")
    places = "\n  - ".join(looked)
    tried = "\n  - ".join(errors) or "(none)"
    raise MNISTNotFound(
        "MNIST's four IDX files were not found.\nLooked in:\n  - "
        + places
        + "\nDownload attempts:\n  - "
        + tried
        + "\nFix it either way:\n"
        "  1. point MNIST_DATA_DIR (or load_mnist(data_dir=...)) at a folder holding "
        "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
        "t10k-labels-idx1-ubyte.gz (offline machines: ../shared/data/mnist);\n"
        "  2. or connect to the internet and call again: the files are downloaded into the user cache "
        f"({cache}) and verified."
    )


def to_tensor(images: np.ndarray, normalize: bool = True, mean: float = MEAN, std: float = STD):
    """uint8 (N,28,28) images as a float32 torch tensor (N,1,28,28): normalised, or in [0, 1]."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32).div_(255.0).unsqueeze(1)
    return x.sub_(mean).div_(std) if normalize else x


def to_keras(images: np.ndarray) -> np.ndarray:
    """uint8 (N,28,28) images as float32 (N,28,28,1) raw 0..255 values (Dutta's model rescales inside)."""
    return images.astype(np.float32)[..., None]


def stratified_subset(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of a deterministic, class-stratified subset of `n` examples."""
    from sklearn.model_selection import train_test_split

    total = len(labels)
    if not isinstance(n, (int, np.integer)) or n <= 0 or n > total:
        raise ValueError(f"subset size n={n!r} must be an integer between 1 and {total} (the dataset size).")
    if n == total:
        return np.arange(total)
    classes = len(np.unique(labels))
    if n < classes:
        raise ValueError(f"subset size n={n} must be at least the number of classes ({classes}) to stratify.")
    idx, _ = train_test_split(np.arange(total), train_size=n, stratify=labels, random_state=seed)
    return np.sort(idx)


def file_checksums(directory: str | os.PathLike) -> dict[str, str]:
    """sha256 of each file's decompressed bytes in `directory` (for the reproducibility page)."""
    d = Path(directory)
    sums = {}
    for key, (stem, _) in FILES.items():
        sums[stem] = hashlib.sha256(read_bytes(_find_file(d, stem) or d / stem, SIZES[key])).hexdigest()
    return sums


def load_split(train_size: int = TRAIN_SIZE, test_size: int = TEST_SIZE, seed: int = 0) -> MNIST:
    """MNIST's official split, or deterministic class-stratified subsets of it (quick profile)."""
    ds = load_mnist()
    tr = stratified_subset(ds.train_labels, train_size, seed)
    te = stratified_subset(ds.test_labels, test_size, seed)
    return MNIST(ds.train_images[tr], ds.train_labels[tr], ds.test_images[te], ds.test_labels[te], ds.source)
