"""MNIST and Fashion-MNIST from IDX files (gzip-compressed or raw)."""

from __future__ import annotations

import gzip
import math
import os
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, cast

import numpy as np

from autograd_np.data._root import resolve_root
from autograd_np.data.download import download_file
from autograd_np.data.errors import DatasetError, DatasetNotFoundError
from autograd_np.data.vision import ImageArrayDataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type byte -> element type (big-endian on disk).
_IDX_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


# bytes read per step while streaming the data of an IDX file
_CHUNK = 1 << 20


def _read_exactly(fh: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the stream)."""
    out = bytearray()
    while len(out) < n:
        chunk = fh.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _read_idx_stream(fh: BinaryIO, p: Path) -> np.ndarray:
    head = _read_exactly(fh, 4)
    if len(head) < 4:
        raise DatasetError(f"{p}: file is {len(head)} bytes, too short for an IDX header")
    zero, type_code, ndim = head[0:2], head[2], head[3]
    if zero != b"\x00\x00" or type_code not in _IDX_TYPES or ndim == 0:
        raise DatasetError(
            f"{p}: bad IDX magic number 0x{head.hex()}; expected 0x0000TTDD with a type "
            "byte TT in (08, 09, 0b, 0c, 0d, 0e) and DD dimensions (e.g. 0x00000803 for "
            "images, 0x00000801 for labels)"
        )
    dims = _read_exactly(fh, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise DatasetError(f"{p}: file ends inside the IDX header ({4 + len(dims)} bytes)")
    shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
    dtype = _IDX_TYPES[type_code]
    # Python ints: no int64 wraparound however large the dimensions are
    expected = math.prod(shape) * dtype.itemsize
    # stream at most one byte more than declared: a file padded with gigabytes (or a
    # gzip bomb) is refused after reading expected + 1 bytes, never held in memory
    data = bytearray()
    while len(data) <= expected:
        chunk = fh.read(min(_CHUNK, expected + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    if len(data) != expected:
        if len(data) < expected:
            what = f"truncated: only {len(data)} data bytes follow"
        else:
            what = f"has trailing bytes: more than {expected} data bytes follow"
        raise DatasetError(
            f"{p}: file {what}, but the header says shape {shape} of {dtype.name} "
            f"({expected} data bytes)"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape)  # writable: backed by bytearray
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzip-compressed or raw.

    The header is two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, then each
    dimension as a big-endian uint32; the data follow, big-endian, row-major. Gzip is
    detected by its magic bytes and decompressed as a stream: at most one byte more
    than the header declares is ever read, so padded files and gzip bombs are refused
    without being held in memory.

    Parameters
    ----------
    path : path
        The file.

    Returns
    -------
    np.ndarray
        The array in native byte order, with the shape from the header.

    Raises
    ------
    DatasetError
        Naming the file, if it cannot be decompressed, the magic number is wrong, or the
        data size does not match the header (truncated or trailing bytes).

    Examples
    --------
    >>> labels = read_idx("/data/mnist/train-labels-idx1-ubyte.gz")  # doctest: +SKIP
    >>> labels.shape, labels.dtype  # doctest: +SKIP
    ((60000,), dtype('uint8'))
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            magic = fh.read(2)
            fh.seek(0)
            if magic == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=fh) as gz:
                    return _read_idx_stream(cast(BinaryIO, gz), p)
            if p.suffix == ".gz":
                raise DatasetError(
                    f"{p}: not a gzip file (expected the gzip magic bytes 1f 8b, "
                    f"found {magic.hex(' ')})"
                )
            return _read_idx_stream(fh, p)
    except DatasetError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{p}: cannot read file: {type(exc).__name__}: {exc}") from exc


class MNIST(ImageArrayDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test 28x28 images.

    Files live in ``<root>/mnist/`` under their standard names
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``), each either gzip-compressed (``.gz``, preferred when
    both exist) or raw. Files on disk are checked by structure (magic numbers, sizes,
    image/label counts, label range), not by checksum.

    Parameters
    ----------
    root : path, optional
        Dataset root; default ``$AUTOGRAD_NP_DATA``, else ``$XDG_CACHE_HOME/autograd_np``
        or ``~/.cache/autograd_np``.
    train : bool, default True
        The training split, else the test split.
    transform : callable, optional
        Applied to the image (per batch when it has ``apply_batch``).
    target_transform : callable, optional
        Applied to the label.
    download : bool, default False
        Download missing files from :attr:`mirrors` (tried in order), checking the
        published MD5s. Never done implicitly.
    mirrors : sequence of str, optional
        Base URLs overriding the class attribute :attr:`mirrors`.

    Attributes
    ----------
    data : np.ndarray
        ``uint8`` images, shape ``(N, 28, 28)``.
    targets : np.ndarray
        ``int64`` labels, shape ``(N,)``.
    classes : list of str
    root : pathlib.Path
        The resolved dataset root.

    Shapes
    ------
    Item: ``(uint8 (28, 28) image, int label)``.

    Examples
    --------
    >>> from autograd_np.data import MNIST, DataLoader, transforms as T
    >>> normalize = T.Compose([T.ToFloat(), T.Normalize(0.1307, 0.3081)])
    >>> train = MNIST(train=True, transform=normalize)  # doctest: +SKIP
    >>> x, y = next(iter(DataLoader(train, batch_size=64, shuffle=True)))  # doctest: +SKIP
    >>> x.shape, x.dtype, y.dtype  # doctest: +SKIP
    ((64, 1, 28, 28), dtype('float32'), dtype('int64'))
    """

    folder_name: ClassVar[str] = "mnist"
    mirrors: Sequence[str] = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes: list[str] = [  # noqa: RUF012 - an instance attribute; this is the default
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
        *,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        self.root = resolve_root(root)
        self.train = train
        if mirrors is not None:
            self.mirrors = list(mirrors)
        prefix = "train" if train else "t10k"
        names = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        if download and any(self._find(n) is None for n in names):
            self.download()
        paths = [self._find(n) for n in names]
        if paths[0] is None or paths[1] is None:
            raise DatasetNotFoundError(self._not_found_message(names))
        images = read_idx(paths[0])
        labels = read_idx(paths[1])
        self._validate(images, labels, paths[0], paths[1])
        super().__init__(
            images,
            labels.astype(np.int64),
            classes=self.classes,
            transform=transform,
            target_transform=target_transform,
        )

    @property
    def folder(self) -> Path:
        """Directory holding the IDX files: ``root / folder_name``."""
        return self.root / self.folder_name

    def _find(self, name: str) -> Path | None:
        for candidate in (self.folder / f"{name}.gz", self.folder / name):
            if candidate.is_file():
                return candidate
        return None

    def _not_found_message(self, names: Sequence[str]) -> str:
        missing = [n for n in names if self._find(n) is None]
        lines = [
            f"{type(self).__name__}: dataset files not found in {self.folder} "
            f"(dataset root {self.root}: the root argument, else $AUTOGRAD_NP_DATA, else "
            "the user cache directory). Missing:"
        ]
        for n in missing:
            urls = " or ".join(m.rstrip("/") + f"/{n}.gz" for m in self.mirrors)
            lines.append(f"  {self.folder / (n + '.gz')} (or uncompressed {n}); get it from {urls}")
        lines.append("Put the files there, or pass download=True to fetch them.")
        return "\n".join(lines)

    def _validate(self, images: np.ndarray, labels: np.ndarray, ipath: Path, lpath: Path) -> None:
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DatasetError(
                f"{ipath}: expected uint8 images of shape (N, 28, 28) (magic 0x00000803), "
                f"got {images.dtype} of shape {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise DatasetError(
                f"{lpath}: expected uint8 labels of shape (N,) (magic 0x00000801), got "
                f"{labels.dtype} of shape {labels.shape}"
            )
        if images.shape[0] != labels.shape[0]:
            raise DatasetError(
                f"{ipath} has {images.shape[0]} images but {lpath} has {labels.shape[0]} "
                "labels; expected equal counts"
            )
        if labels.size and int(labels.max()) >= len(self.classes):
            raise DatasetError(
                f"{lpath}: label {int(labels.max())} out of range; expected 0.."
                f"{len(self.classes) - 1}"
            )

    def download(self) -> None:
        """Download the files missing from :attr:`folder`, verifying their MD5s.

        Files already present (``.gz`` or raw) are left alone; nothing is downloaded
        when all are there.

        Raises
        ------
        DownloadError
            If a file cannot be fetched intact from any mirror.
        """
        for filename, md5 in self.resources.items():
            if self._find(filename.removesuffix(".gz")) is None:
                download_file(filename, self.folder, self.mirrors, md5)

    def extra_repr(self) -> str:
        return f"Root location: {self.root}\nSplit: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): 28x28 grayscale clothing images, 10 classes.

    Same format, file names, parameters and attributes as :class:`MNIST`; the files
    live in ``<root>/fashion-mnist/``.

    Examples
    --------
    >>> ds = FashionMNIST(train=False)  # doctest: +SKIP
    >>> ds.classes[ds[0][1]]  # doctest: +SKIP
    'Ankle boot'
    """

    folder_name: ClassVar[str] = "fashion-mnist"
    mirrors: Sequence[str] = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes: list[str] = [  # noqa: RUF012 - an instance attribute; this is the default
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
