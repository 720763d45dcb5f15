"""Character-level text: a vocabulary, a dataset of (input, target) blocks, Tiny Shakespeare.

A :class:`CharVocab` maps each distinct character of a text to an index (sorted by code
point, as char-rnn and nanoGPT do). A :class:`CharTextDataset` holds one split of an
encoded text; item ``i`` is the block ``data[i : i + block_size]`` and its target, the same
block shifted by one character. ``sample_batch`` draws random blocks with a generator, the
way small GPT trainers do. :class:`TinyShakespeare` is the 1,115,394-character corpus of
char-rnn and nanoGPT, its first 90% for training and the rest for validation.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_np.data._rng import GeneratorLike, as_generator, resolve
from autograd_np.data._root import resolve_root
from autograd_np.data.dataset import Dataset
from autograd_np.data.download import download_file
from autograd_np.data.errors import DatasetError, DatasetNotFoundError, DownloadError

__all__ = ["CharTextDataset", "CharVocab", "TinyShakespeare", "read_text"]


def read_text(path: str | os.PathLike[str]) -> str:
    """The contents of a UTF-8 text file.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    DatasetError
        If it cannot be read, or is not valid UTF-8 (the message gives the byte offset and
        the offending bytes).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise DatasetNotFoundError(f"{p}: no such file") from exc
    except OSError as exc:
        raise DatasetError(f"{p}: cannot read file: {type(exc).__name__}: {exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.end]
        raise DatasetError(
            f"{p}: not UTF-8 text: byte {exc.start} ({bad.hex(' ')}) is not valid UTF-8 "
            f"({exc.reason}); convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)"
        ) from exc


class CharVocab:
    """The characters of a text, each with an index (sorted by code point).

    Parameters
    ----------
    text : str or iterable of str
        The text (or its characters) the vocabulary is built from.

    Attributes
    ----------
    chars : list of str
        The characters, index order.
    stoi : dict
        Character -> index.

    Examples
    --------
    >>> v = CharVocab("hello")
    >>> v.chars, v.encode("hole").tolist(), v.decode([3, 1])
    (['e', 'h', 'l', 'o'], [1, 3, 2, 0], 'oh')
    """

    def __init__(self, text: str | Iterable[str]) -> None:
        self.chars: list[str] = sorted(set(text))
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters)"

    def encode(self, text: str) -> np.ndarray:
        """The indices of the characters of ``text``, an int64 array of ``len(text)``.

        Raises
        ------
        KeyError
            Naming the first character that is not in the vocabulary.
        """
        table = self.stoi
        try:
            if len(self.chars) and max(map(ord, self.chars)) < 128 and text.isascii():
                lut = np.full(128, -1, dtype=np.int64)
                lut[[ord(c) for c in self.chars]] = np.arange(len(self.chars))
                ids = lut[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
                if ids.size and ids.min() < 0:
                    first = text[int(np.argmax(ids < 0))]
                    raise KeyError(first)
                return ids
            return np.fromiter((table[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as exc:
            raise KeyError(
                f"CharVocab.encode: character {exc.args[0]!r} is not in the vocabulary of "
                f"{len(self)} characters"
            ) from None

    def decode(self, ids: Any) -> str:
        """The text of a sequence of indices (a list, array or 1-D Tensor)."""
        arr = ids.array if hasattr(ids, "array") else np.asarray(ids)
        flat = arr.reshape(-1).tolist()
        n = len(self.chars)
        bad = [i for i in flat if not 0 <= i < n]
        if bad:
            raise IndexError(f"CharVocab.decode: index {bad[0]} is out of range for {n} characters")
        return "".join(self.chars[i] for i in flat)


class CharTextDataset(Dataset[tuple[np.ndarray, np.ndarray]]):
    """Blocks of an encoded text and their next-character targets.

    Parameters
    ----------
    text : str
        The text (all of it: the split is taken here).
    block_size : int
        Characters per block (the context length).
    split : {"train", "val", "all"}, default "all"
        "train": the first ``train_fraction`` of the characters; "val": the rest.
    train_fraction : float, default 0.9
    vocab : CharVocab, optional
        Default: the vocabulary of the whole ``text`` (both splits share it).

    Attributes
    ----------
    data : np.ndarray
        The split, encoded (int64).
    vocab : CharVocab

    Shapes
    ------
    ``ds[i]`` is ``(x, y)``, both int64 ``(block_size,)`` with ``y[t] = x[t + 1]`` in the
    text; ``sample_batch(B)`` gives ``(B, block_size)`` each.

    Examples
    --------
    >>> ds = CharTextDataset("abcabcabca", block_size=3, split="all")
    >>> x, y = ds[1]
    >>> ds.vocab.decode(x), ds.vocab.decode(y)
    ('bca', 'cab')
    >>> xb, yb = ds.sample_batch(2, generator=0)
    >>> xb.shape
    (2, 3)
    """

    def __init__(
        self,
        text: str,
        block_size: int,
        split: str = "all",
        *,
        train_fraction: float = 0.9,
        vocab: CharVocab | None = None,
    ) -> None:
        if split not in ("train", "val", "all"):
            raise ValueError(
                f"CharTextDataset: split must be 'train', 'val' or 'all', got {split!r}"
            )
        if not 0.0 < train_fraction < 1.0:
            raise ValueError(
                f"CharTextDataset: train_fraction must be in (0, 1), got {train_fraction}"
            )
        self.vocab = vocab if vocab is not None else CharVocab(text)
        encoded = self.vocab.encode(text)
        cut = int(train_fraction * len(encoded))
        self.split = split
        self.data = {"train": encoded[:cut], "val": encoded[cut:], "all": encoded}[split]
        self.block_size = int(block_size)
        if self.block_size < 1:
            raise ValueError(f"CharTextDataset: block_size must be >= 1, got {block_size}")
        if len(self.data) <= self.block_size:
            raise ValueError(
                f"CharTextDataset: the {split!r} split has {len(self.data)} characters; it "
                f"needs more than block_size={self.block_size}"
            )

    def __len__(self) -> int:
        return len(self.data) - self.block_size

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"CharTextDataset: index {index} out of range for {n} blocks")
        i = int(index) % n
        return self.data[i : i + self.block_size], self.data[i + 1 : i + 1 + self.block_size]

    def __getitems__(self, indices: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = np.asarray(indices, dtype=np.int64) % len(self)
        offsets = starts[:, None] + np.arange(self.block_size)  # (B, T) positions
        return self.data[offsets], self.data[offsets + 1]

    def sample_batch(
        self, batch_size: int, generator: GeneratorLike = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``batch_size`` blocks at uniformly random starts (with replacement) and their
        targets, as nanoGPT's ``get_batch``: int64 arrays ``(batch_size, block_size)``."""
        rng = resolve(as_generator(generator, name="CharTextDataset.sample_batch generator"))
        starts = rng.integers(0, len(self), size=int(batch_size))
        return self.__getitems__(starts)


class TinyShakespeare(CharTextDataset):
    """Tiny Shakespeare (char-rnn's ``input.txt``): 1,115,394 characters, 65 distinct.

    The file is ``<root>/tinyshakespeare/input.txt``. The vocabulary is that of the whole
    file; ``split="train"`` is its first 90%, ``"val"`` the rest.

    Parameters
    ----------
    root : path, optional
        Dataset root (default: ``$AUTOGRAD_NP_DATA``, else the user cache; see
        :mod:`autograd_np.data`).
    split : {"train", "val", "all"}, default "train"
    block_size : int, default 64
    download : bool, default False
        Fetch the file when it is missing, from :attr:`mirrors` in order, checking its MD5
        and SHA-256.
    mirrors : sequence of str, optional
        Base URLs overriding the class attribute.

    Raises
    ------
    DatasetNotFoundError
        When the file is missing and ``download=False``: the message names the path and
        where to get the file.
    DatasetError
        When the file is not UTF-8.
    DownloadError
        When no mirror delivers the file with the published checksums.

    Examples
    --------
    >>> train = TinyShakespeare(split="train", block_size=64)  # doctest: +SKIP
    >>> len(train.vocab), len(train.data)  # doctest: +SKIP
    (65, 1003854)
    """

    filename = "input.txt"
    folder_name = "tinyshakespeare"
    md5 = "6fb458f1232090904fb40fe944165e91"
    sha256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
    mirrors: Sequence[str] = (
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",
    )

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        split: str = "train",
        block_size: int = 64,
        *,
        download: bool = False,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        if mirrors is not None:
            self.mirrors = list(mirrors)
        self.folder = resolve_root(root) / self.folder_name
        self.path = self.folder / self.filename
        if not self.path.exists():
            if download:
                self.download()
            else:
                urls = " or ".join(m.rstrip("/") + "/" + self.filename for m in self.mirrors)
                raise DatasetNotFoundError(
                    f"Tiny Shakespeare not found: expected the file {self.path} (char-rnn's "
                    f"tinyshakespeare/input.txt, sha256 {self.sha256}). Get it from {urls}, "
                    "or pass download=True to fetch it."
                )
        text = read_text(self.path)
        super().__init__(text, block_size, split)

    def download(self) -> None:
        """Fetch the file into :attr:`folder` (MD5 checked by the downloader, then SHA-256);
        a file with the wrong SHA-256 is removed and DownloadError raised."""
        path = download_file(self.filename, self.folder, self.mirrors, self.md5)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != self.sha256:
            path.unlink()
            raise DownloadError(
                f"{path}: SHA-256 mismatch: got {digest}, expected {self.sha256}; removed"
            )
