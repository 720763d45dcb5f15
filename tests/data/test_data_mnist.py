"""IDX reading, MNIST and FashionMNIST on small written files and on the real data."""

from __future__ import annotations

import gzip
import tracemalloc

import numpy as np
import pytest

from autograd_np.data import (
    MNIST,
    DataLoader,
    DatasetError,
    DatasetNotFoundError,
    FashionMNIST,
    read_idx,
)
from autograd_np.data import transforms as T


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, fmt, gz):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = fmt.write_idx(tmp_path / ("a.gz" if gz else "a"), arr, compress=gz)
    out = read_idx(path)
    np.testing.assert_array_equal(out, arr)
    assert out.flags.writeable


def test_read_idx_int32_big_endian(tmp_path, fmt):
    arr = np.array([1, -2, 70000], dtype=np.int32)
    out = read_idx(fmt.write_idx(tmp_path / "b", arr, compress=False))
    np.testing.assert_array_equal(out, arr)
    assert out.dtype == np.dtype("int32")


def test_read_idx_wrong_magic(tmp_path, fmt):
    raw = bytearray(fmt.idx_bytes(np.zeros(4, np.uint8)))
    raw[2] = 0x07
    path = tmp_path / "bad-magic"
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match=r"bad-magic: bad IDX magic number 0x00000701"):
        read_idx(path)


def test_read_idx_truncated_and_trailing(tmp_path, fmt):
    raw = fmt.idx_bytes(np.zeros((3, 4), np.uint8))
    short = tmp_path / "short"
    short.write_bytes(raw[:-1])
    with pytest.raises(DatasetError, match=r"short: file truncated.*shape \(3, 4\)"):
        read_idx(short)
    long = tmp_path / "long"
    long.write_bytes(raw + b"\0")
    with pytest.raises(DatasetError, match="long: file has trailing bytes"):
        read_idx(long)
    header_only = tmp_path / "hdr"
    header_only.write_bytes(raw[:6])
    with pytest.raises(DatasetError, match="hdr: file ends inside the IDX header"):
        read_idx(header_only)


def test_read_idx_truncated_gzip(tmp_path, fmt):
    blob = gzip.compress(fmt.idx_bytes(np.arange(1000, dtype=np.uint8) % 7))
    path = tmp_path / "t.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match=r"t\.gz: cannot read file"):
        read_idx(path)
    notgz = tmp_path / "plain.gz"
    notgz.write_bytes(fmt.idx_bytes(np.zeros(2, np.uint8)))
    with pytest.raises(DatasetError, match=r"plain\.gz: not a gzip file"):
        read_idx(notgz)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_small_files(tmp_path, fmt, gz):
    written = fmt.make_mnist(tmp_path / "mnist", gz=gz)
    train = MNIST(root=tmp_path, train=True)
    test = MNIST(root=tmp_path, train=False)
    images, labels = written["train"]
    assert len(train) == 12 and len(test) == 7
    assert train.data.dtype == np.uint8 and train.data.shape == (12, 28, 28)
    assert train.targets.dtype == np.int64
    np.testing.assert_array_equal(train.data, images)
    np.testing.assert_array_equal(train.targets, labels)
    img, label = train[3]
    assert img.shape == (28, 28) and img.dtype == np.uint8
    assert type(label) is int and label == labels[3]
    assert train.classes[0] == "0 - zero"
    np.testing.assert_array_equal(test.data, written["t10k"][0])


def test_mnist_mixed_gz_and_raw_files(tmp_path, fmt):
    written = fmt.make_mnist(tmp_path / "mnist", gz=False)
    (tmp_path / "mnist" / "train-images-idx3-ubyte").rename(tmp_path / "mnist" / "x")
    fmt.write_idx(tmp_path / "mnist" / "train-images-idx3-ubyte.gz", written["train"][0])
    assert len(MNIST(root=tmp_path)) == 12  # a .gz next to raw files is fine too


def test_mnist_transform_per_item_and_per_batch(tmp_path, fmt):
    fmt.make_mnist(tmp_path / "mnist")
    ds = MNIST(root=tmp_path, transform=T.Compose([T.ToFloat(), T.Normalize(0.1307, 0.3081)]))
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x[2], ds[2][0], rtol=0, atol=0)


def test_mnist_mismatched_counts(tmp_path, fmt):
    fmt.make_mnist(tmp_path / "mnist")
    fmt.write_idx(tmp_path / "mnist" / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(
        DatasetError, match=r"has 12 images but .*train-labels-idx1-ubyte.gz has 11"
    ):
        MNIST(root=tmp_path)


def test_mnist_wrong_image_shape_and_label_range(tmp_path, fmt):
    fmt.make_mnist(tmp_path / "mnist")
    fmt.write_idx(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz", np.zeros((7, 28, 27), np.uint8))
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz: expected uint8 images"):
        MNIST(root=tmp_path, train=False)
    fmt.write_idx(tmp_path / "mnist" / "train-labels-idx1-ubyte.gz", np.full(12, 10, np.uint8))
    with pytest.raises(DatasetError, match="label 10 out of range"):
        MNIST(root=tmp_path)


def test_mnist_not_found_names_full_paths(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path)
    msg = str(info.value)
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in msg
    assert str(tmp_path / "mnist" / "train-labels-idx1-ubyte.gz") in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in msg
    assert "download=True" in msg
    assert isinstance(info.value, FileNotFoundError)


def test_mnist_root_from_environment(tmp_path, fmt, monkeypatch):
    fmt.make_mnist(tmp_path / "mnist")
    monkeypatch.setenv("AUTOGRAD_NP_DATA", str(tmp_path))
    assert MNIST().root == tmp_path and len(MNIST(train=False)) == 7


def test_fashion_mnist_folder_and_classes(tmp_path, fmt):
    fmt.make_mnist(tmp_path / "fashion-mnist", n_train=3, n_test=2)
    ds = FashionMNIST(root=tmp_path, train=False)
    assert len(ds) == 2 and ds.classes[9] == "Ankle boot"
    with pytest.raises(DatasetNotFoundError, match="fashion-mnist"):
        FashionMNIST(root=tmp_path / "elsewhere")


# ----------------------------------------------------------------------------- real data

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist(real_root):
    train = MNIST(root=real_root, train=True)
    test = MNIST(root=real_root, train=False)
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    assert train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(train.targets, minlength=10).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(test.targets, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert test.targets[:5].tolist() == [7, 2, 1, 0, 4]
    # Pixel statistics commonly used for normalization: mean 0.1307, std 0.3081.
    scaled = train.data / 255.0
    assert abs(scaled.mean() - 0.1307) < 1e-4 and abs(scaled.std() - 0.3081) < 1e-4


@pytest.mark.parametrize(
    ("dims", "itemsize_code"),
    [
        ((2**16, 2**16, 2**16, 2**16), 0x08),  # 2**64 bytes: wraps to 0 in int64
        ((2**32 - 1,) * 3, 0x0E),  # float64: about 2**99 bytes
    ],
    ids=["wraps-to-zero", "huge"],
)
def test_read_idx_dimension_product_in_python_ints(tmp_path, dims, itemsize_code):
    header = bytes([0, 0, itemsize_code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    path = tmp_path / "huge-idx"
    path.write_bytes(header)
    expected = 8 if itemsize_code == 0x0E else 1
    for d in dims:
        expected *= d
    with pytest.raises(DatasetError, match="file truncated: only 0 data bytes follow") as info:
        read_idx(path)
    assert f"({expected} data bytes)" in str(info.value) and str(dims) in str(info.value)


def test_read_idx_gzip_padding_is_not_decompressed_whole(tmp_path, fmt):
    # a valid 10-byte IDX followed by 64 MiB of zeros, compressed to about 64 KB
    padded = fmt.idx_bytes(np.arange(10, dtype=np.uint8)) + bytes(64 << 20)
    path = tmp_path / "padded.gz"
    path.write_bytes(gzip.compress(padded, compresslevel=1))
    del padded
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match=r"trailing bytes: more than 10 data bytes"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # the 64 MiB were never held in memory


def test_read_idx_large_valid_gzip_streams(tmp_path, fmt):
    # bigger than the read chunk, so the data arrive in several pieces
    array = (np.arange(3 * 1000 * 1000, dtype=np.int64) % 251).astype(np.uint8).reshape(3000, 1000)
    path = fmt.write_idx(tmp_path / "big.gz", array, compress=True)
    out = read_idx(path)
    np.testing.assert_array_equal(out, array)
    assert out.flags.writeable and out.dtype == np.uint8
