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
            if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1:
                return self._read_stored_npy(info, name)
            with self.zip.open(info) as f:
                shape, fortran, dtype = self._npy_header(f, info.file_size, name)
                buf = self._allocate(shape, dtype, info.file_size - f.tell(), name)
                view = memoryview(buf.data)
                done = 0
                while done < buf.size:
                    chunk = f.read(min(_CHUNK, buf.size - done))
                    if not chunk:
                        raise self.corrupt(f"entry {name!r} ends early")
                    view[done : done + len(chunk)] = chunk
                    done += len(chunk)
                if f.read(1):
                    raise self.corrupt(f"entry {name!r} is longer than declared")
        except (*CorruptErrors, OSError) as e:
            raise self.corrupt(e) from e
        return _as_array(buf, shape, fortran, dtype)

    def _stored_start(self, info: zipfile.ZipInfo, name: str) -> int:
        """Where the data of an uncompressed entry starts in the file."""
        fh = self.fh
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise self.corrupt(f"the local header of entry {name!r} is damaged")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        if start + info.file_size > self.size:
            raise self.corrupt(f"entry {name!r} runs past the end of the file")
        return start

    def _read_into(self, at: int, buf: np.ndarray, crc: int, info: zipfile.ZipInfo) -> None:
        """Fill ``buf`` from file offset ``at`` and check the entry's CRC-32 (``crc`` is
        that of the entry's bytes before ``at``)."""
        self.fh.seek(at)
        view = memoryview(buf.data)
        done = 0
        while done < buf.size:
            n = self.fh.readinto(view[done : done + _CHUNK])  # type: ignore[attr-defined]
            if not n:
                raise self.corrupt(f"entry {info.filename!r} ends early")
            done += n
        if zlib.crc32(buf.data, crc) != info.CRC:
            raise self.corrupt(f"bad CRC-32 for entry {info.filename!r}")

    def read_raw(self, name: str) -> np.ndarray:
        """The bytes of entry ``name`` as a new uint8 array (one copy for a stored entry)."""
        info = self.info(name)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            return np.frombuffer(bytearray(self.read_bytes(name)), dtype=np.uint8)
        try:
            buf = np.empty(info.file_size, dtype=np.uint8)
            self._read_into(self._stored_start(info, name), buf, 0, info)
        except OSError as e:
            raise self.corrupt(e) from e
        return buf

    def _read_stored_npy(self, info: zipfile.ZipInfo, name: str) -> np.ndarray:
        """An uncompressed entry: one read straight into the array, then the CRC check."""
        start = self._stored_start(info, name)
        self.fh.seek(start)
        head = self.fh.read(min(info.file_size, 1 << 16))
        f = io.BytesIO(head)
        shape, fortran, dtype = self._npy_header(f, info.file_size, name)
        header_len = f.tell()
        buf = self._allocate(shape, dtype, info.file_size - header_len, name)
        self._read_into(start + header_len, buf, zlib.crc32(head[:header_len]), info)
        return _as_array(buf, shape, fortran, dtype)

    def _npy_header(
        self, f: IO[bytes], file_size: int, name: str
    ) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
        fmt = np.lib.format
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
            else:
                raise ValueError(f"unknown .npy version {version}")
        except Exception as e:  # numpy parses the header text: any failure means damage
            raise self.corrupt(f"the array header of entry {name!r} is damaged: {e}") from e
        if dtype.hasobject:
            raise ValueError(
                f"load: entry {name!r} of {self.source} holds pickled Python objects; "
                "refusing to load it"
            )
        return tuple(int(n) for n in shape), bool(fortran), dtype

    def _allocate(
        self, shape: tuple[int, ...], dtype: np.dtype[Any], data_size: int, name: str
    ) -> np.ndarray:
        """The uint8 buffer of the array, once its size matches the entry's."""
        count = 1
        for n in shape:
            count *= n  # Python ints: no wrap-around
        nbytes = count * dtype.itemsize
        if nbytes != data_size:
            raise self.corrupt(
                f"entry {name!r} declares {shape} of {dtype} ({nbytes} bytes) but holds "
                f"{data_size} bytes of data"
            )
        return np.empty(nbytes, dtype=np.uint8)


def _as_array(
    buf: np.ndarray, shape: tuple[int, ...], fortran: bool, dtype: np.dtype[Any]
) -> np.ndarray:
    if dtype.itemsize == 0:
        return np.empty(shape, dtype)
    arr = buf.view(dtype)
    if fortran:
        return arr.reshape(shape[::-1]).T
    return arr.reshape(shape)
