"""Verified downloads against a local HTTP server (never the internet)."""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pytest

from autograd_np.data import CIFAR10, MNIST, DownloadError, download_file
from autograd_np.data.download import LOG_NAME

BODY = b"the quick brown fox " * 5000
MD5 = hashlib.md5(BODY).hexdigest()


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_download_is_placed_and_logged(tmp_path, http_server):
    http_server.route("/m1/file.bin", BODY)
    dest = download_file("file.bin", tmp_path / "d", [http_server.base + "/m1/"], MD5)
    assert dest == tmp_path / "d" / "file.bin" and dest.read_bytes() == BODY
    assert leftovers(tmp_path / "d") == ["downloads.json", "file.bin"]
    log = json.loads((tmp_path / "d" / LOG_NAME).read_text())
    assert log["file.bin"]["sha256"] == hashlib.sha256(BODY).hexdigest()
    assert log["file.bin"]["md5"] == MD5 and log["file.bin"]["bytes"] == len(BODY)
    assert log["file.bin"]["url"] == http_server.base + "/m1/file.bin"


def test_truncated_download_leaves_nothing(tmp_path, http_server):
    http_server.route("/m1/file.bin", BODY[:1000], declared_length=len(BODY))
    with pytest.raises(DownloadError) as info:
        download_file("file.bin", tmp_path, [http_server.base + "/m1"], MD5)
    msg = str(info.value)
    assert "file.bin" in msg and str(tmp_path / "file.bin") in msg
    assert "IncompleteRead" in msg or "connection closed" in msg
    assert leftovers(tmp_path) == []


def test_corrupted_download_leaves_nothing(tmp_path, http_server):
    bad = bytearray(BODY)
    bad[10] ^= 0xFF
    http_server.route("/m1/file.bin", bytes(bad))
    with pytest.raises(DownloadError, match=f"MD5 mismatch: got .*, expected {MD5}"):
        download_file("file.bin", tmp_path, [http_server.base + "/m1/"], MD5)
    assert leftovers(tmp_path) == []


def test_existing_file_not_replaced_by_failed_download(tmp_path, http_server):
    (tmp_path / "file.bin").write_bytes(b"old")
    http_server.route("/m1/file.bin", b"garbage")
    with pytest.raises(DownloadError):
        download_file("file.bin", tmp_path, [http_server.base + "/m1/"], MD5)
    assert (tmp_path / "file.bin").read_bytes() == b"old"
    assert leftovers(tmp_path) == ["file.bin"]


def test_fallback_mirror_used(tmp_path, http_server):
    http_server.route("/good/file.bin", BODY)
    http_server.route("/corrupt/file.bin", b"x" * len(BODY))
    mirrors = [
        http_server.base + "/missing/",
        http_server.base + "/corrupt/",
        http_server.base + "/good/",
    ]
    dest = download_file("file.bin", tmp_path, mirrors, MD5)
    assert dest.read_bytes() == BODY
    assert http_server.hits == ["/missing/file.bin", "/corrupt/file.bin", "/good/file.bin"]
    log = json.loads((tmp_path / LOG_NAME).read_text())
    assert log["file.bin"]["url"].endswith("/good/file.bin")


def test_unreachable_mirrors_give_instructions(tmp_path):
    # Port 9 on localhost: nothing listens, the connection is refused at once.
    with pytest.raises(DownloadError) as info:
        download_file("file.bin", tmp_path, ["http://127.0.0.1:9/a/"], MD5, timeout=5)
    msg = str(info.value)
    assert "http://127.0.0.1:9/a/file.bin" in msg
    assert f"put the file at {tmp_path / 'file.bin'}" in msg and MD5 in msg
    assert leftovers(tmp_path) == []


def serve_mnist(http_server, fmt, prefix: str) -> dict[str, str]:
    """Serve a tiny MNIST under ``prefix``; return the md5s to check against."""
    rng = np.random.default_rng(0)
    md5s = {}
    for split, n in (("train", 4), ("t10k", 3)):
        for kind, arr in (
            ("images-idx3", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
            ("labels-idx1", rng.integers(0, 10, n).astype(np.uint8)),
        ):
            name = f"{split}-{kind}-ubyte.gz"
            blob = gzip.compress(fmt.idx_bytes(arr))
            http_server.route(f"{prefix}/{name}", blob)
            md5s[name] = hashlib.md5(blob).hexdigest()
    return md5s


def test_mnist_download_end_to_end(tmp_path, http_server, fmt, monkeypatch):
    md5s = serve_mnist(http_server, fmt, "/mirror2")
    monkeypatch.setattr(MNIST, "resources", md5s)
    mirrors = [http_server.base + "/mirror1/", http_server.base + "/mirror2/"]
    ds = MNIST(root=tmp_path, train=False, download=True, mirrors=mirrors)
    assert len(ds) == 3
    files = leftovers(tmp_path / "mnist")
    assert files == ["downloads.json", *sorted(md5s)]
    # Once the files are there, download=True does not touch the network.
    hits = len(http_server.hits)
    assert len(MNIST(root=tmp_path, train=True, download=True, mirrors=mirrors)) == 4
    assert len(http_server.hits) == hits


def test_mnist_download_with_published_md5_rejects_other_file(tmp_path, http_server, fmt):
    serve_mnist(http_server, fmt, "/m")  # tiny files: not the published MNIST md5s
    with pytest.raises(DownloadError, match="MD5 mismatch"):
        MNIST(root=tmp_path, download=True, mirrors=[http_server.base + "/m/"])
    assert [n for n in leftovers(tmp_path / "mnist") if not n.endswith(".json")] == []


def test_mnist_no_download_without_flag(tmp_path, http_server, fmt):
    serve_mnist(http_server, fmt, "/m")
    with pytest.raises(FileNotFoundError):
        MNIST(root=tmp_path, mirrors=[http_server.base + "/m/"])
    assert http_server.hits == []


def test_cifar_download_end_to_end(tmp_path, http_server, fmt, monkeypatch):
    arrays = fmt.make_cifar_arrays([2, 2, 2, 2, 2, 3])
    archive = fmt.write_tar_gz(tmp_path / "src.tar.gz", fmt.cifar_python_members(arrays))
    blob = archive.read_bytes()
    http_server.route("/kriz/cifar-10-python.tar.gz", blob)
    monkeypatch.setattr(CIFAR10, "archive_md5", hashlib.md5(blob).hexdigest())
    root = tmp_path / "root"
    ds = CIFAR10(root=root, train=False, download=True, mirrors=[http_server.base + "/kriz/"])
    assert len(ds) == 3 and ds.source == root / "cifar10" / "cifar-10-python.tar.gz"
    assert leftovers(root / "cifar10") == ["cifar-10-python.tar.gz", "downloads.json"]
