"""The safetensors format, read and written with numpy alone.

Layout (as documented by the safetensors project): an unsigned little-endian 64-bit
header length ``N``; ``N`` bytes of UTF-8 JSON mapping each tensor name to
``{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`` (offsets into the byte
buffer that follows, which the tensors must cover exactly, without gaps or overlaps), plus
an optional ``"__metadata__"`` mapping of str to str; then the raw little-endian, C-order
tensor bytes. Nothing in it can hold code, so files from anywhere are safe to read; this
module checks every length and offset before it uses it.

Examples
--------
>>> import os, tempfile
>>> import autograd_np as ag
>>> from autograd_np.serialization.safetensors import load_file, save_file
>>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
>>> save_file({"w": ag.ones(2, 3), "step": ag.tensor(7)}, path, metadata={"epoch": "3"})
>>> weights = load_file(path)
>>> weights["w"].shape, weights["step"].item()
((2, 3), 7)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from autograd_np.serialization._atomic import atomic_write
from autograd_np.tensor import Tensor

__all__ = [
    "MAX_HEADER_SIZE",
    "SafetensorsError",
    "load",
    "load_file",
    "metadata_of",
    "save",
    "save_file",
]

MAX_HEADER_SIZE = 100_000_000  # the reference implementation's limit

_DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype("?"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"),
    "I16": np.dtype("<i2"),
    "F16": np.dtype("<f2"),
    "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"),
    "F32": np.dtype("<f4"),
    "U64": np.dtype("<u8"),
    "I64": np.dtype("<i8"),
    "F64": np.dtype("<f8"),
    "C64": np.dtype("<c8"),
}
_NAMES = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: name for name, dt in _DTYPES.items()}
# dtypes of the format that numpy cannot hold
_UNSUPPORTED = {"BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C128"}


class SafetensorsError(ValueError):
    """A safetensors file or buffer that breaks the format's rules."""


def _as_array(name: Any, value: Any) -> np.ndarray:
    if not isinstance(name, str):
        raise TypeError(f"safetensors: tensor names must be str, got {name!r}")
    if name == "__metadata__":
        raise ValueError("safetensors: '__metadata__' is reserved and cannot name a tensor")
    arr = value.array if isinstance(value, Tensor) else value
    if not isinstance(arr, np.ndarray):
        raise TypeError(
            f"safetensors: {name!r} is a {type(value).__name__}; expected a Tensor or ndarray"
        )
    native = arr.dtype.newbyteorder("=") if arr.dtype.itemsize > 1 else arr.dtype
    if native not in _NAMES:
        raise TypeError(f"safetensors: {name!r} has dtype {arr.dtype}, which the format lacks")
    return arr


def _layout(
    tensors: Mapping[str, Any], metadata: Mapping[str, str] | None
) -> tuple[bytes, list[np.ndarray]]:
    """The length-prefixed header and the little-endian C-order arrays, in buffer order."""
    header: dict[str, Any] = {}
    if metadata is not None:
        if not isinstance(metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise TypeError("safetensors: metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    arrays = {name: _as_array(name, value) for name, value in tensors.items()}
    # largest items first keeps every tensor aligned to its item size
    order = sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n))
    offset = 0
    chunks: list[np.ndarray] = []
    for name in order:
        arr = arrays[name]
        native = arr.dtype.newbyteorder("=") if arr.dtype.itemsize > 1 else arr.dtype
        code = _NAMES[native]
        data = np.ascontiguousarray(arr, dtype=_DTYPES[code])
        header[name] = {
            "dtype": code,
            "shape": [int(n) for n in arr.shape],
            "data_offsets": [offset, offset + data.nbytes],
        }
        chunks.append(data)
        offset += data.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad with spaces so the buffer starts 8-aligned
    return len(text).to_bytes(8, "little") + text, chunks


def save(tensors: Mapping[str, Any], metadata: Mapping[str, str] | None = None) -> bytes:
    """The safetensors bytes of ``tensors`` (name -> Tensor or ndarray).

    Parameters
    ----------
    tensors : mapping of str to Tensor or np.ndarray
        bool, (u)int8-64, float16/32/64 or complex64 values; non-contiguous and big-endian
        arrays are converted.
    metadata : mapping of str to str, optional
        Stored as the header's ``__metadata__``.
    """
    head, chunks = _layout(tensors, metadata)
    return b"".join([head, *(c.tobytes() for c in chunks)])


def save_file(
    tensors: Mapping[str, Any],
    filename: str | os.PathLike[str],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``tensors`` to ``filename`` in the safetensors format (atomically, as
    :func:`autograd_np.save` writes). See :func:`save` for the arguments."""
    head, chunks = _layout(tensors, metadata)

    def write(fh: IO[bytes]) -> None:
        fh.write(head)
        for chunk in chunks:
            fh.write(chunk.reshape(-1).view(np.uint8).data)

    atomic_write(filename, write)


def _parse_header(head: bytes, total: int, source: str) -> int:
    """Where the buffer starts in a file of ``total`` bytes whose first 8 are ``head``."""
    if total < 8:
        raise SafetensorsError(f"safetensors: {source} is {total} bytes, too short for a header")
    n = int.from_bytes(head[:8], "little")
    if n > MAX_HEADER_SIZE:
        raise SafetensorsError(
            f"safetensors: {source} declares a header of {n} bytes, more than the limit of "
            f"{MAX_HEADER_SIZE}"
        )
    if 8 + n > total:
        raise SafetensorsError(
            f"safetensors: {source} declares a header of {n} bytes but holds only "
            f"{total - 8} after the length"
        )
    return 8 + n


def _check_header(text: bytes, buffer_size: int, source: str) -> dict[str, Any]:
    try:
        header = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # bad UTF-8, bad JSON, a 5000-digit int
        raise SafetensorsError(f"safetensors: the header of {source} is not JSON ({e})") from e
    if not isinstance(header, dict):
        raise SafetensorsError(f"safetensors: the header of {source} is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        raise SafetensorsError(f"safetensors: the __metadata__ of {source} is not str to str")
    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(
                f"safetensors: the entry {name!r} of {source} must have exactly dtype, shape "
                "and data_offsets"
            )
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype in _UNSUPPORTED:
            raise SafetensorsError(
                f"safetensors: {name!r} in {source} has dtype {dtype}, which numpy cannot hold"
            )
        if dtype not in _DTYPES:
            raise SafetensorsError(f"safetensors: {name!r} in {source} has unknown dtype {dtype!r}")
        if not (isinstance(shape, list) and all(_is_index(n) for n in shape)):
            raise SafetensorsError(f"safetensors: {name!r} in {source} has a bad shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_index, offsets))):
            raise SafetensorsError(
                f"safetensors: {name!r} in {source} has bad data_offsets {offsets!r}"
            )
        begin, end = offsets
        count = 1
        for n in shape:
            count *= n
        if end < begin or end > buffer_size:
            raise SafetensorsError(
                f"safetensors: {name!r} in {source} has data_offsets {offsets} outside the "
                f"buffer of {buffer_size} bytes"
            )
        if end - begin != count * _DTYPES[dtype].itemsize:
            raise SafetensorsError(
                f"safetensors: {name!r} in {source} has shape {shape} of {dtype} "
                f"({count * _DTYPES[dtype].itemsize} bytes) but data_offsets span {end - begin}"
            )
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            what = "overlaps the previous tensor" if begin < position else "leaves a gap"
            raise SafetensorsError(
                f"safetensors: {name!r} in {source} starts at {begin}, which {what} (expected "
                f"{position}); the buffer must be covered exactly"
            )
        position = end
    if position != buffer_size:
        raise SafetensorsError(
            f"safetensors: the tensors of {source} cover {position} bytes of a "
            f"{buffer_size}-byte buffer"
        )
    if metadata is not None:
        header["__metadata__"] = metadata
    return header


def _is_index(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _tensors(header: dict[str, Any], buffer: Any) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        arr = np.frombuffer(
            buffer, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=begin
        )
        if not dtype.isnative:
            arr = arr.astype(dtype.newbyteorder("="))
        out[name] = Tensor.from_array(arr.reshape(info["shape"]))
    return out


def load(data: bytes) -> dict[str, Tensor]:
    """The tensors of safetensors ``data`` (bytes), by name.

    Raises
    ------
    SafetensorsError
        A ValueError, for a bad header length, a header that is not JSON, an unknown dtype,
        or offsets that overlap, leave gaps or run past the buffer.
    """
    return _load_bytes(bytearray(data), "the buffer")


def _load_bytes(data: bytearray, source: str) -> dict[str, Tensor]:
    start = _parse_header(bytes(data[:8]), len(data), source)
    header = _check_header(bytes(data[8:start]), len(data) - start, source)
    return _tensors(header, memoryview(data)[start:])


def load_file(filename: str | os.PathLike[str], device: str = "cpu") -> dict[str, Tensor]:
    """Read a safetensors file: the tensors by name, as writable Tensors on the CPU.

    Parameters
    ----------
    filename : str or os.PathLike
    device : str, default 'cpu'
        Only ``'cpu'`` exists here.

    Raises
    ------
    SafetensorsError
        As for :func:`load`; the message names the file.
    """
    if str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"safetensors: device={device!r}; only the CPU exists here")
    path = os.fspath(filename)
    source = repr(path)
    with open(path, "rb") as fh:
        total = os.fstat(fh.fileno()).st_size
        start = _parse_header(fh.read(8), total, source)
        header = _check_header(fh.read(start - 8), total - start, source)
        buffer = bytearray(total - start)
        if fh.readinto(buffer) != len(buffer):
            raise SafetensorsError(f"safetensors: {source} changed size while being read")
    return _tensors(header, buffer)


def metadata_of(filename: str | os.PathLike[str]) -> dict[str, str] | None:
    """The ``__metadata__`` of a safetensors file (None when it has none)."""
    path = os.fspath(filename)
    with open(path, "rb") as fh:
        total = os.fstat(fh.fileno()).st_size
        start = _parse_header(fh.read(8), total, repr(path))
        header = _check_header(fh.read(start - 8), total - start, repr(path))
    return header.get("__metadata__")
