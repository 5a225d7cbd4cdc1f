"""The IDX file format of MNIST: read and write, gzipped or raw, with every field validated."""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np

# IDX type codes (third byte of the magic number) and the numpy dtypes they stand for.
_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code for code, dt in _DTYPES.items()}


class IDXError(ValueError):
    """A file that is not a valid IDX file; the message names the file and what is wrong."""


def read_bytes(path: str | os.PathLike, max_size: int | None = None) -> bytes:
    """Return the file's bytes, decompressed when it is gzipped (by magic, not by name).

    With `max_size`, decompression stops past that many bytes and raises IDXError: a gzip bomb never
    fills memory. Raw files larger than `max_size` are refused the same way.
    """
    p = Path(path)
    with open(p, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    size = p.stat().st_size
    if not gzipped and max_size is not None and size > max_size:  # refused before reading it
        raise IDXError(f"{p}: {size} bytes, more than the {max_size} expected. Delete it and fetch it again.")
    raw = p.read_bytes()
    if not gzipped:
        return raw
    return gunzip(raw, max_size, name=str(p))


def gunzip(raw: bytes, max_size: int | None = None, name: str = "<bytes>") -> bytes:
    """Decompress gzip bytes, reading at most `max_size` + 1 bytes of output (IDXError beyond `max_size`)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            data = f.read(-1 if max_size is None else max_size + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(
            f"{name}: the gzip stream is corrupt or truncated ({e}). Delete the file and fetch it again."
        ) from None
    if max_size is not None and len(data) > max_size:
        raise IDXError(
            f"{name}: decompresses to more than the {max_size} bytes expected (stopped there; a corrupt or "
            "hostile file). Delete the file and fetch it again."
        )
    return data


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array, checking the magic number, the dimensions and the byte count."""
    if len(data) < 4:
        raise IDXError(f"{name}: {len(data)} bytes is too short for an IDX header (needs at least 4).")
    zero, code, ndim = data[0:2], data[2], data[3]
    if zero != b"\x00\x00" or code not in _DTYPES or not 1 <= ndim <= 4:
        raise IDXError(
            f"{name}: wrong magic number 0x{data[:4].hex()} (an IDX file starts 0x0000, a type code "
            f"in {sorted(hex(c) for c in _DTYPES)} and 1-4 dimensions). Is this an MNIST IDX file?"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{name}: truncated header ({len(data)} bytes, needs {header}).")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise IDXError(
            f"{name}: {what}: header says shape {shape} ({expected} bytes in all) but the file has "
            f"{len(data)} bytes. Delete the file and fetch it again."
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)  # a writable array of native byte order


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or raw) into a numpy array."""
    return parse_idx(read_bytes(path), name=str(path))
