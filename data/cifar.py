"""CIFAR-10: the python (pickle) and binary versions, archived or extracted."""

from __future__ import annotations

import os
import tarfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from autograd_np.data._pickle import safe_loads
from autograd_np.data._root import resolve_root
from autograd_np.data.download import download_file
from autograd_np.data.errors import DatasetError, DatasetNotFoundError
from autograd_np.data.vision import ImageArrayDataset

__all__ = ["CIFAR10"]

_PIXELS = 3 * 32 * 32
_RECORD = 1 + _PIXELS  # binary version: label byte + R, G, B planes
_NUM_CLASSES = 10


def _text(value: Any) -> Any:
    return value.decode("latin1") if isinstance(value, bytes) else value


def _read_members(archive: Path, names: Sequence[str]) -> dict[str, bytes]:
    """Read the regular-file members ``names`` of a ``.tar.gz`` in one streaming pass."""
    wanted = set(names)
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                if name not in wanted:
                    continue
                if not member.isfile():
                    raise DatasetError(f"{archive}: member {name} is not a regular file")
                fh = tar.extractfile(member)
                if fh is None:  # pragma: no cover - isfile() members always have data
                    raise DatasetError(f"{archive}: cannot read member {name}")
                found[name] = fh.read()
                if len(found) == len(wanted):
                    break
    except DatasetError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise DatasetError(
            f"{archive}: cannot read the archive (truncated or corrupt?): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    missing = [n for n in names if n not in found]
    if missing:
        raise DatasetError(f"{archive}: missing archive member(s) {', '.join(missing)}")
    return found


def _read_files(folder: Path, names: Sequence[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for name in names:
        path = folder.parent / name
        try:
            out[name] = path.read_bytes()
        except OSError as exc:
            raise DatasetError(f"{path}: cannot read file: {exc}") from exc
    return out


def _int_labels(raw: Any, source: str) -> np.ndarray:
    """The labels as int64, refusing anything that is not an integer (no truncation)."""
    if isinstance(raw, np.ndarray):  # only uint8 arrays can come out of the unpickler
        if raw.ndim != 1 or raw.dtype.kind not in "iu":
            raise DatasetError(f"{source}: 'labels' must be a 1-D integer array or list")
        return raw.astype(np.int64)
    if not isinstance(raw, (list, tuple)):
        raise DatasetError(f"{source}: 'labels' must be a list of ints, got {type(raw).__name__}")
    for i, label in enumerate(raw):
        if not isinstance(label, int) or isinstance(label, bool):
            raise DatasetError(
                f"{source}: label {i} is {label!r} ({type(label).__name__}); labels must be "
                "ints 0..9"
            )
    try:
        return np.array(raw, dtype=np.int64).reshape(len(raw))
    except OverflowError as exc:
        raise DatasetError(f"{source}: a label does not fit in int64") from exc


def _parse_pickle_batch(blob: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    obj = safe_loads(blob, source)
    if not isinstance(obj, dict):
        raise DatasetError(f"{source}: expected a pickled dict, got {type(obj).__name__}")
    batch = {_text(k): v for k, v in obj.items()}
    if "data" not in batch or "labels" not in batch:
        raise DatasetError(
            f"{source}: expected keys 'data' and 'labels', found {sorted(map(str, batch))}"
        )
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise DatasetError(f"{source}: 'data' must be a 2-D uint8 array")
    if data.shape[1] != _PIXELS:
        raise DatasetError(
            f"{source}: 'data' has shape {data.shape}; expected (N, {_PIXELS}) (3x32x32 planes)"
        )
    labels = _int_labels(batch["labels"], source)
    if labels.shape != (data.shape[0],):
        raise DatasetError(
            f"{source}: {data.shape[0]} images but 'labels' has shape {labels.shape}"
        )
    return data, labels


def _parse_binary_batch(blob: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    if len(blob) == 0 or len(blob) % _RECORD:
        raise DatasetError(
            f"{source}: size {len(blob)} bytes is not a positive multiple of the "
            f"{_RECORD}-byte record (1 label byte + {_PIXELS} pixel bytes)"
        )
    records = np.frombuffer(blob, dtype=np.uint8).reshape(-1, _RECORD)
    return records[:, 1:], records[:, 0].astype(np.int64)


def _check_labels(labels: np.ndarray, source: str) -> None:
    if labels.size and (labels.min() < 0 or labels.max() >= _NUM_CLASSES):
        bad = labels[(labels < 0) | (labels >= _NUM_CLASSES)][0]
        raise DatasetError(f"{source}: label {int(bad)} out of range; expected 0..9")


class CIFAR10(ImageArrayDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

    Looked up in ``<root>/cifar10/``, first match wins:

    1. ``cifar-10-batches-py/`` (the extracted python version),
    2. ``cifar-10-python.tar.gz`` (read in memory, nothing is extracted),
    3. ``cifar-10-batches-bin/`` (the extracted binary version),
    4. ``cifar-10-binary.tar.gz``.

    The python version's pickles are read with a restricted unpickler that can only
    rebuild numpy arrays, so a tampered file cannot run code. Files on disk are checked
    by structure (members present, array shapes and record sizes, label range, class
    names), not by the published archive checksum.

    Parameters
    ----------
    root : path, optional
        Dataset root; default ``$AUTOGRAD_NP_DATA``, else ``$XDG_CACHE_HOME/autograd_np``
        or ``~/.cache/autograd_np``.
    train : bool, default True
        ``data_batch_1`` .. ``data_batch_5``, else ``test_batch``.
    transform, target_transform : callable, optional
        Applied to the image and the label (per batch when they have ``apply_batch``).
    download : bool, default False
        If no version is on disk, download ``cifar-10-python.tar.gz`` from
        :attr:`mirrors`, checking its published MD5.
    mirrors : sequence of str, optional
        Base URLs overriding the class attribute :attr:`mirrors`.

    Attributes
    ----------
    data : np.ndarray
        ``uint8`` images, shape ``(N, 32, 32, 3)`` (HWC, RGB).
    targets : np.ndarray
        ``int64`` labels, shape ``(N,)``.
    classes : list of str
        From ``batches.meta`` (``batches.meta.txt`` for the binary version).
    source : pathlib.Path
        The folder or archive the data was read from.

    Shapes
    ------
    Item: ``(uint8 (32, 32, 3) image, int label)``.

    Examples
    --------
    >>> from autograd_np.data import CIFAR10
    >>> test = CIFAR10(train=False)  # doctest: +SKIP
    >>> test.data.shape, test.classes[test.targets[0]]  # doctest: +SKIP
    ((10000, 32, 32, 3), 'cat')
    """

    folder_name: ClassVar[str] = "cifar10"
    mirrors: Sequence[str] = ("https://www.cs.toronto.edu/~kriz/",)
    archive_name: ClassVar[str] = "cifar-10-python.tar.gz"
    archive_md5: ClassVar[str] = "c58f30108f718f92721af3b95e74349a"
    binary_archive_name: ClassVar[str] = "cifar-10-binary.tar.gz"
    binary_archive_md5: ClassVar[str] = "c32a1d4ab5d03f1284b67883e8d87530"
    python_dir: ClassVar[str] = "cifar-10-batches-py"
    binary_dir: ClassVar[str] = "cifar-10-batches-bin"

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
        if download and self._locate() is None:
            self.download()
        located = self._locate()
        if located is None:
            raise DatasetNotFoundError(self._not_found_message())
        kind, path = located
        self.source = path
        data, targets, classes = self._load(kind, path)
        super().__init__(
            data, targets, classes=classes, transform=transform, target_transform=target_transform
        )

    @property
    def folder(self) -> Path:
        """Directory searched for the dataset: ``root / folder_name``."""
        return self.root / self.folder_name

    def _candidates(self) -> list[tuple[str, Path]]:
        f = self.folder
        return [
            ("python-dir", f / self.python_dir),
            ("python-tar", f / self.archive_name),
            ("binary-dir", f / self.binary_dir),
            ("binary-tar", f / self.binary_archive_name),
        ]

    def _locate(self) -> tuple[str, Path] | None:
        for kind, path in self._candidates():
            if (kind.endswith("dir") and path.is_dir()) or (
                kind.endswith("tar") and path.is_file()
            ):
                return kind, path
        return None

    def _not_found_message(self) -> str:
        options = "\n".join(
            f"  {p}{'/' if kind.endswith('dir') else ''}" for kind, p in self._candidates()
        )
        urls = " or ".join(m.rstrip("/") + "/" + self.archive_name for m in self.mirrors)
        return (
            f"CIFAR10: dataset not found in {self.folder} (dataset root {self.root}: the "
            "root argument, else $AUTOGRAD_NP_DATA, else the user cache directory). "
            f"Expected one of:\n{options}\nGet {self.archive_name} from {urls} (MD5 "
            f"{self.archive_md5}) and put it at {self.folder / self.archive_name}, or pass "
            "download=True."
        )

    def _load(self, kind: str, path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
        python = kind.startswith("python")
        top = self.python_dir if python else self.binary_dir
        if python:
            batches = [f"data_batch_{i}" for i in range(1, 6)] if self.train else ["test_batch"]
            meta = "batches.meta"
        else:
            batches = (
                [f"data_batch_{i}.bin" for i in range(1, 6)] if self.train else ["test_batch.bin"]
            )
            meta = "batches.meta.txt"
        names = [f"{top}/{b}" for b in [*batches, meta]]
        if kind.endswith("tar"):
            blobs = _read_members(path, names)
            where = {n: f"{path} (member {n})" for n in names}
        else:
            blobs = _read_files(path, names)
            where = {n: str(path.parent / n) for n in names}
        parse = _parse_pickle_batch if python else _parse_binary_batch
        planes: list[np.ndarray] = []
        labels: list[np.ndarray] = []
        for name in names[:-1]:
            data, lab = parse(blobs.pop(name), where[name])
            _check_labels(lab, where[name])
            planes.append(data)
            labels.append(lab)
        classes = self._parse_meta(blobs[names[-1]], where[names[-1]], python)
        flat = np.concatenate(planes) if len(planes) > 1 else planes[0]
        images = np.ascontiguousarray(flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        return images, np.concatenate(labels), classes

    @staticmethod
    def _parse_meta(blob: bytes, source: str, python: bool) -> list[str]:
        if python:
            meta = safe_loads(blob, source)
            if not isinstance(meta, dict):
                raise DatasetError(f"{source}: expected a pickled dict")
            names = {_text(k): v for k, v in meta.items()}.get("label_names")
            if not isinstance(names, list):
                raise DatasetError(f"{source}: expected a 'label_names' list")
            classes = [str(_text(n)) for n in names]
        else:
            classes = [line.strip() for line in blob.decode("latin1").splitlines() if line.strip()]
        if len(classes) != _NUM_CLASSES:
            raise DatasetError(f"{source}: expected {_NUM_CLASSES} class names, got {classes}")
        return classes

    def download(self) -> None:
        """Download ``cifar-10-python.tar.gz`` into :attr:`folder` unless a version exists.

        Raises
        ------
        DownloadError
            If no mirror delivers the file with the published MD5.
        """
        if self._locate() is None:
            download_file(self.archive_name, self.folder, self.mirrors, self.archive_md5)

    def extra_repr(self) -> str:
        return f"Source: {self.source}\nSplit: {'Train' if self.train else 'Test'}"
