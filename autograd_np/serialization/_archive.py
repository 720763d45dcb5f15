"""The zip container of the native format, read with every size checked before use.

The native format is a numpy ``.npz`` archive (a zip of ``.npy`` entries). This module
reads it without trusting it: an entry's declared size is checked before a byte is
decompressed, an array's ``.npy`` header must agree with the entry's size, and any damage
(truncation, flipped bits, a bad CRC) becomes a ValueError that names the file.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import IO, Any

import numpy as np

__all__ = ["MAX_STRUCTURE_BYTES", "Archive", "CorruptFile", "write_archive"]

# The JSON structure of a model with a million tensors takes about 60 MB.
MAX_STRUCTURE_BYTES = 64 * 2**20
_CHUNK = 16 * 2**20
# deflate never expands data by more than 1032:1; a larger declared ratio is a lie.
_MAX_DEFLATE_RATIO = 1100

# what zipfile and zlib raise on damaged input (a flipped flag bit can claim encryption or an
# unknown compression, a flipped name byte bad UTF-8)
CorruptErrors = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    UnicodeDecodeError,
    struct.error,
)


class CorruptFile(ValueError):
    """The file is damaged (truncated, bit-flipped or inconsistent)."""


def write_archive(
    fh: IO[bytes], structure: bytes, arrays: dict[str, np.ndarray], meta_name: str, compress: bool
) -> None:
    """Write the arrays and the JSON structure (as a uint8 entry ``meta_name``)."""
    entries = {**arrays, meta_name: np.frombuffer(structure, dtype=np.uint8)}
    if compress:
        np.savez_compressed(fh, **entries)  # type: ignore[arg-type]
    else:
        np.savez(fh, **entries)  # type: ignore[arg-type]


class Archive:
    """A zip archive opened for bounded reading; ``source`` names the file in errors."""

    def __init__(self, fh: IO[bytes], source: str) -> None:
        self.source = source
        self.fh = fh
        fh.seek(0, io.SEEK_END)
        self.size = fh.tell()
        fh.seek(0)
        try:
            self.zip = zipfile.ZipFile(fh)
        except (*CorruptErrors, ValueError, OSError) as e:
            raise self.corrupt(e) from e
        self.infos = {info.filename: info for info in self.zip.infolist()}

    def corrupt(self, detail: Any) -> CorruptFile:
        return CorruptFile(f"load: {self.source} is corrupt or truncated ({detail})")

    def close(self) -> None:
        self.zip.close()

    def info(self, name: str) -> zipfile.ZipInfo:
        info = self.infos[name]
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size:
                raise self.corrupt(f"entry {name!r} declares two different sizes")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024:
                raise self.corrupt(f"entry {name!r} declares an impossible compressed size")
        else:
            raise self.corrupt(f"entry {name!r} uses zip compression {info.compress_type}")
        if info.header_offset + info.compress_size > self.size:
            raise self.corrupt(f"entry {name!r} runs past the end of the file")
        return info

    def read_bytes(self, name: str, limit: int | None = None) -> bytes:
        """The whole entry, refusing one whose declared size exceeds ``limit``."""
        info = self.info(name)
        if limit is not None and info.file_size > limit:
            raise ValueError(
                f"load: the entry {name!r} of {self.source} declares {info.file_size} bytes, "
                f"more than the limit of {limit}; refusing to read it"
            )
        try:
            with self.zip.open(info) as f:
                data = f.read(info.file_size)
                if len(data) != info.file_size or f.read(1):
                    raise self.corrupt(f"entry {name!r} does not have its declared size")
        except (*CorruptErrors, OSError) as e:
            raise self.corrupt(e) from e
        return data

    def read_npy(self, name: str, limit: int | None = None) -> np.ndarray:
        """The ``.npy`` entry ``name`` as an array, never unpickling and never allocating
        more than the entry holds."""
        info = self.info(name)
        if limit is not None and info.file_size > limit:
            raise ValueError(
                f"load: the entry {name!r} of {self.source} declares {info.file_size} bytes, "
                f"more than the limit of {limit}; refusing to read it"
            )
        try:
            with self.zip.open(info) as f:
                return self._read_npy(f, info, name)
        except (*CorruptErrors, OSError) as e:
            raise self.corrupt(e) from e

    def _read_npy(self, f: IO[bytes], info: zipfile.ZipInfo, name: str) -> np.ndarray:
        fmt = np.lib.format
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            else:
                raise ValueError(f"unknown .npy version {version}")
        except (ValueError, TypeError, SyntaxError) as e:
            raise self.corrupt(f"the array header of entry {name!r} is damaged: {e}") from e
        if dtype.hasobject:
            raise ValueError(
                f"load: entry {name!r} of {self.source} holds pickled Python objects; "
                "refusing to load it"
            )
        count = 1
        for n in shape:
            count *= int(n)  # Python ints: no wrap-around
        nbytes = count * dtype.itemsize
        if nbytes != info.file_size - f.tell():
            raise self.corrupt(
                f"entry {name!r} declares {shape} of {dtype} ({nbytes} bytes) but holds "
                f"{info.file_size - f.tell()} bytes of data"
            )
        if dtype.itemsize == 0:
            return np.empty(shape, dtype)
        buf = np.empty(nbytes, dtype=np.uint8)
        view = memoryview(buf.data)
        done = 0
        while done < nbytes:
            chunk = f.read(min(_CHUNK, nbytes - done))
            if not chunk:
                raise self.corrupt(f"entry {name!r} ends early")
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
        if f.read(1):
            raise self.corrupt(f"entry {name!r} is longer than declared")
        arr = buf.view(dtype)
        if fortran:
            return arr.reshape(shape[::-1]).T
        return arr.reshape(shape)
