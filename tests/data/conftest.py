"""Fixtures for the data tests: writers of the real file formats, a local HTTP server,
and the real datasets (only when ``AUTOGRAD_NP_DATA`` is set)."""

from __future__ import annotations

import gzip
import http.server
import io
import os
import pickle
import struct
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

CIFAR_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]


def idx_bytes(array: np.ndarray) -> bytes:
    """Serialize ``array`` (uint8 or int32) in the IDX format."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}
    code = codes[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray, *, compress: bool | None = None) -> Path:
    data = idx_bytes(array)
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_mnist(folder: Path, n_train: int = 12, n_test: int = 7, *, gz: bool = True, seed: int = 0):
    """Write a small MNIST-format dataset; return the arrays written."""
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
        out[prefix] = (images, labels)
    return out


def cifar_batch_dict(data: np.ndarray, labels: list[int], *, bytes_keys: bool) -> dict[Any, Any]:
    def key(k: str) -> Any:
        return k.encode() if bytes_keys else k

    return {
        key("batch_label"): b"training batch" if bytes_keys else "training batch",
        key("labels"): labels,
        key("data"): data,
        key("filenames"): [b"x.png"] * len(labels),
    }


def make_cifar_arrays(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, list[int]]]:
    rng = np.random.default_rng(seed)
    return [
        (
            rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
            rng.integers(0, 10, size=n).tolist(),
        )
        for n in sizes
    ]


def cifar_python_members(
    batches: list[tuple[np.ndarray, list[int]]], *, bytes_keys: bool = True
) -> dict[str, bytes]:
    """Members of cifar-10-batches-py: batches = 5 train batches then the test batch."""
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    members = {
        f"cifar-10-batches-py/{name}": pickle.dumps(
            cifar_batch_dict(d, lab, bytes_keys=bytes_keys), protocol=2
        )
        for name, (d, lab) in zip(names, batches)
    }
    label_names = [c.encode() if bytes_keys else c for c in CIFAR_CLASSES]
    meta_key = b"label_names" if bytes_keys else "label_names"
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps(
        {meta_key: label_names, b"num_vis" if bytes_keys else "num_vis": 3072}, protocol=2
    )
    return members


def cifar_binary_members(batches: list[tuple[np.ndarray, list[int]]]) -> dict[str, bytes]:
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    members = {}
    for name, (d, lab) in zip(names, batches):
        records = np.concatenate([np.asarray(lab, np.uint8)[:, None], d], axis=1)
        members[f"cifar-10-batches-bin/{name}"] = records.tobytes()
    members["cifar-10-batches-bin/batches.meta.txt"] = ("\n".join(CIFAR_CLASSES) + "\n\n").encode()
    return members


def write_tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def write_folder(root: Path, members: dict[str, bytes]) -> Path:
    for name, blob in members.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(blob)
    return root


def expected_cifar_images(batches: list[tuple[np.ndarray, list[int]]]) -> np.ndarray:
    flat = np.concatenate([d for d, _ in batches])
    return flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


@pytest.fixture(scope="session")
def fmt() -> SimpleNamespace:
    """The file-format writers above, for the test modules."""
    return SimpleNamespace(
        idx_bytes=idx_bytes,
        write_idx=write_idx,
        make_mnist=make_mnist,
        make_cifar_arrays=make_cifar_arrays,
        cifar_python_members=cifar_python_members,
        cifar_binary_members=cifar_binary_members,
        cifar_batch_dict=cifar_batch_dict,
        write_tar_gz=write_tar_gz,
        write_folder=write_folder,
        expected_cifar_images=expected_cifar_images,
        CIFAR_CLASSES=CIFAR_CLASSES,
    )


# --------------------------------------------------------------------------- HTTP server


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes, int | None]]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status, body, declared = self.routes.get(self.path, (404, b"not found", None))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if declared is None else declared))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[SimpleNamespace]:
    """A local HTTP server on 127.0.0.1. ``server.route(path, body, status=200,
    declared_length=None)`` adds a file; a declared length larger than the body makes the
    server close the connection early (a truncated download)."""
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def route(path: str, body: bytes, status: int = 200, declared_length: int | None = None):
        handler.routes[path] = (status, body, declared_length)

    try:
        yield SimpleNamespace(base=base, route=route, hits=handler.hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="session")
def real_root() -> Path:
    """The real dataset root from ``AUTOGRAD_NP_DATA``; skips when the variable is unset."""
    value = os.environ.get("AUTOGRAD_NP_DATA", "")
    if not value:
        pytest.skip("AUTOGRAD_NP_DATA is not set; real-data tests skipped")
    return Path(value)


@pytest.fixture(scope="session")
def real_cifar_train(real_root: Path) -> Any:
    from autograd_np.data import CIFAR10

    return CIFAR10(root=real_root, train=True)


@pytest.fixture(scope="session")
def real_cifar_test(real_root: Path) -> Any:
    from autograd_np.data import CIFAR10

    return CIFAR10(root=real_root, train=False)
