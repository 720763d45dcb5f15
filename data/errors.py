"""Exceptions raised by the dataset readers and the downloader."""

from __future__ import annotations

__all__ = ["DatasetError", "DatasetNotFoundError", "DownloadError"]


class DatasetError(RuntimeError):
    """A dataset file is missing, malformed or fails validation.

    The message always names the offending file (full path, plus the archive member when
    the file sits inside an archive) and says what was expected.

    Examples
    --------
    >>> from autograd_np.data import MNIST, DatasetError
    >>> try:
    ...     MNIST(root="/nonexistent")
    ... except DatasetError as exc:
    ...     print("cannot load:", type(exc).__name__)
    cannot load: DatasetNotFoundError
    """


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """The files of a dataset are not on disk (and ``download=False``).

    The message lists the full paths where the files are expected and where to get them.
    It is also a :class:`FileNotFoundError`, so ``except FileNotFoundError`` catches it.
    """


class DownloadError(DatasetError):
    """Every mirror failed to deliver a complete file with the published checksum.

    The message lists each URL tried with the reason it failed, and where to put the
    file by hand.
    """
