"""Test helper: write arrays as IDX files (the inverse of mnist_helpers.data.idx's reader), for tiny data sets."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

from mnist_helpers.core.atomic import write_bytes
from mnist_helpers.data.idx import _CODES, _DTYPES, IDXError


def encode_idx(array: np.ndarray) -> bytes:
    """Encode an array as IDX bytes (the inverse of `parse_idx`)."""
    arr = np.asarray(array)
    code = _CODES.get(arr.dtype.newbyteorder("=") if arr.dtype.itemsize > 1 else arr.dtype)
    if code is None:
        raise IDXError(
            f"array dtype {arr.dtype} has no IDX type code; use one of uint8, int8, int16, int32, float32, float64."
        )
    if not 1 <= arr.ndim <= 4:
        raise IDXError(f"array has {arr.ndim} dimensions; IDX files hold 1 to 4.")
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(_DTYPES[code], copy=False).tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write an array as an IDX file, gzipped when `compress` (default: when the name ends in .gz)."""

    data = encode_idx(array)
    if compress if compress is not None else str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    write_bytes(path, data)
