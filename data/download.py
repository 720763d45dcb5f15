"""Verified downloads: mirrors in order, MD5 check, atomic rename, SHA-256 log."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import secrets
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from autograd_np.data.errors import DownloadError

__all__ = ["LOG_NAME", "download_file", "file_md5"]

LOG_NAME = "downloads.json"
"""Name of the JSON log, next to the downloaded files, recording URL, size, MD5, SHA-256."""

_CHUNK = 1 << 20


def file_md5(path: str | os.PathLike[str]) -> str:
    """Return the hex MD5 of a file, read in 1 MiB chunks.

    Examples
    --------
    >>> file_md5("/dev/null")
    'd41d8cd98f00b204e9800998ecf8427e'
    """
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _url(base: str, filename: str) -> str:
    return (base if base.endswith("/") else base + "/") + filename


def _fetch(url: str, part: Path, timeout: float) -> tuple[int, str, str]:
    """Stream ``url`` into ``part``; return (size, md5, sha256). Raises on short reads."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.sha256()
    size = 0
    request = urllib.request.Request(url, headers={"User-Agent": "autograd_np"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "xb") as out:
        length = response.headers.get("Content-Length")
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
        if length is not None and size != int(length):
            raise OSError(f"connection closed after {size} of {int(length)} bytes")
    return size, md5.hexdigest(), sha.hexdigest()


def _record(folder: Path, filename: str, entry: dict[str, object]) -> None:
    log = folder / LOG_NAME
    records: dict[str, object] = {}
    if log.exists():
        try:
            loaded = json.loads(log.read_text())
            if isinstance(loaded, dict):
                records = loaded
        except (OSError, ValueError):
            records = {}
    records[filename] = entry
    tmp = folder / f"{LOG_NAME}.{secrets.token_hex(6)}.tmp"
    with open(tmp, "x") as fh:
        json.dump(records, fh, indent=2, sort_keys=True)
    os.replace(tmp, log)


def download_file(
    filename: str,
    folder: str | os.PathLike[str],
    mirrors: Sequence[str],
    md5: str,
    *,
    timeout: float = 60.0,
) -> Path:
    """Download ``filename`` from the first mirror that delivers it intact.

    Each mirror URL is ``base + filename``. The body is streamed into a temporary
    ``<filename>.<random>.part`` file in ``folder``; it is renamed to
    ``folder/filename`` (:func:`os.replace`, atomic) only when the transfer is complete
    (the byte count matches ``Content-Length``) and its MD5 equals ``md5``. Otherwise
    the part file is deleted and the next mirror tried. The URL, size, MD5 and SHA-256
    of the accepted file are recorded in ``folder/downloads.json``.

    Parameters
    ----------
    filename : str
        File name, both on the server and on disk.
    folder : path
        Destination directory (created if needed).
    mirrors : sequence of str
        Base URLs, tried in order.
    md5 : str
        The published MD5 (hex) of the file.
    timeout : float, default 60
        Socket timeout in seconds for each connection.

    Returns
    -------
    pathlib.Path
        ``folder / filename``.

    Raises
    ------
    DownloadError
        If every mirror fails; the message lists each URL with its failure and where to
        put the file by hand.

    Examples
    --------
    >>> download_file("train-labels-idx1-ubyte.gz", "/tmp/mnist",
    ...               ["https://ossci-datasets.s3.amazonaws.com/mnist/"],
    ...               "d53e105ee54ea40749a09fcbcd1e9432")  # doctest: +SKIP
    PosixPath('/tmp/mnist/train-labels-idx1-ubyte.gz')
    """
    if not mirrors:
        raise ValueError(f"download_file: no mirrors given for {filename}")
    dest_dir = Path(folder)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / filename
    failures: list[str] = []
    for base in mirrors:
        url = _url(base, filename)
        part = dest_dir / f"{filename}.{secrets.token_hex(6)}.part"
        try:
            size, got_md5, sha256 = _fetch(url, part, timeout)
            if got_md5 != md5.lower():
                raise OSError(f"MD5 mismatch: got {got_md5}, expected {md5.lower()}")
            os.replace(part, dest)
        except Exception as exc:
            failures.append(f"  {url}: {type(exc).__name__}: {exc}")
            continue
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        _record(
            dest_dir,
            filename,
            {
                "url": url,
                "bytes": size,
                "md5": got_md5,
                "sha256": sha256,
                "downloaded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            },
        )
        return dest
    raise DownloadError(
        f"could not download {filename} to {dest}; every mirror failed:\n"
        + "\n".join(failures)
        + f"\nTo install it by hand, put the file at {dest} (published MD5 {md5}); "
        f"get it from {' or '.join(_url(b, filename) for b in mirrors)}"
    )
