"""CIFAR-10: python and binary versions, archived and extracted; the safe unpickler."""

from __future__ import annotations

import codecs
import io
import os
import pickle
import tarfile
import tracemalloc

import numpy as np
import pytest

from autograd_np.data import CIFAR10, DataLoader, DatasetError, DatasetNotFoundError
from autograd_np.data import transforms as T

SIZES = [3, 2, 4, 1, 2, 5]  # five training batches, then the test batch


@pytest.fixture
def arrays(fmt):
    return fmt.make_cifar_arrays(SIZES)


def check_split(ds: CIFAR10, batches, fmt) -> None:
    images = fmt.expected_cifar_images(batches)
    assert ds.data.shape == images.shape and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data, images)
    np.testing.assert_array_equal(ds.targets, np.concatenate([b[1] for b in batches]))
    assert ds.targets.dtype == np.int64
    assert ds.classes == fmt.CIFAR_CLASSES
    img, label = ds[0]
    assert img.shape == (32, 32, 3) and type(label) is int


@pytest.mark.parametrize("layout", ["python-tar", "python-dir", "binary-tar", "binary-dir"])
def test_all_four_layouts(tmp_path, fmt, arrays, layout):
    folder = tmp_path / "cifar10"
    if layout.startswith("python"):
        members = fmt.cifar_python_members(arrays)
    else:
        members = fmt.cifar_binary_members(arrays)
    if layout == "python-tar":
        fmt.write_tar_gz(folder / "cifar-10-python.tar.gz", members)
    elif layout == "binary-tar":
        fmt.write_tar_gz(folder / "cifar-10-binary.tar.gz", members)
    else:
        fmt.write_folder(folder, members)
    train = CIFAR10(root=tmp_path, train=True)
    test = CIFAR10(root=tmp_path, train=False)
    check_split(train, arrays[:5], fmt)
    check_split(test, arrays[5:], fmt)
    assert len(train) == sum(SIZES[:5]) and len(test) == SIZES[5]


def test_str_keys_as_written_by_python3(tmp_path, fmt, arrays):
    fmt.write_folder(tmp_path / "cifar10", fmt.cifar_python_members(arrays, bytes_keys=False))
    check_split(CIFAR10(root=tmp_path, train=False), arrays[5:], fmt)


def test_extracted_folder_preferred_over_archive(tmp_path, fmt, arrays):
    folder = tmp_path / "cifar10"
    fmt.write_folder(folder, fmt.cifar_python_members(arrays))
    (folder / "cifar-10-python.tar.gz").write_bytes(b"not an archive")
    ds = CIFAR10(root=tmp_path, train=False)
    assert ds.source == folder / "cifar-10-batches-py"


def test_batch_transform_through_dataloader(tmp_path, fmt, arrays):
    fmt.write_folder(tmp_path / "cifar10", fmt.cifar_binary_members(arrays))
    ds = CIFAR10(
        root=tmp_path,
        transform=T.Compose([T.RandomCrop(32, padding=4, generator=0), T.ToFloat()]),
    )
    x, y = next(iter(DataLoader(ds, batch_size=8, shuffle=True, generator=0)))
    assert x.shape == (8, 3, 32, 32) and x.dtype == np.float32 and y.shape == (8,)


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_rejected_and_never_runs(tmp_path, fmt, arrays):
    marker = tmp_path / "pwned"
    members = fmt.cifar_python_members(arrays)
    evil = {b"data": arrays[5][0], b"labels": arrays[5][1], b"payload": _Evil(str(marker))}
    members["cifar-10-batches-py/test_batch"] = pickle.dumps(evil, protocol=2)
    fmt.write_tar_gz(tmp_path / "cifar10" / "cifar-10-python.tar.gz", members)
    with pytest.raises(DatasetError) as info:
        CIFAR10(root=tmp_path, train=False)
    msg = str(info.value)
    assert "refusing to unpickle the global" in msg and "system" in msg
    assert "cifar-10-python.tar.gz (member cifar-10-batches-py/test_batch)" in msg
    assert not marker.exists()


@pytest.mark.parametrize(
    ("module", "name"), [("builtins", "eval"), ("numpy", "load"), ("subprocess", "Popen")]
)
def test_other_globals_rejected(tmp_path, fmt, arrays, module, name):
    blob = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x01\x00\x00\x001\x85R."
    members = fmt.cifar_python_members(arrays)
    members["cifar-10-batches-py/test_batch"] = blob
    fmt.write_folder(tmp_path / "cifar10", members)
    with pytest.raises(DatasetError, match=f"refusing to unpickle the global {module}.{name}"):
        CIFAR10(root=tmp_path, train=False)


@pytest.mark.parametrize(
    ("batch", "images_labels", "match"),
    [
        (
            "data_batch_2",
            lambda a: (np.zeros((2, 3000), np.uint8), [0, 1]),
            r"'data' has shape \(2, 3000\)",
        ),
        ("data_batch_1", lambda a: (a[0][0], a[0][1][:-1]), r"3 images but 'labels'"),
    ],
    ids=["wrong_shape", "one_label_too_few"],
)
def test_python_batch_with_bad_contents(tmp_path, fmt, arrays, batch, images_labels, match):
    members = fmt.cifar_python_members(arrays)
    bad = fmt.cifar_batch_dict(*images_labels(arrays), bytes_keys=True)
    members[f"cifar-10-batches-py/{batch}"] = pickle.dumps(bad, protocol=2)
    fmt.write_folder(tmp_path / "cifar10", members)
    with pytest.raises(DatasetError, match=rf"{batch}: {match}"):
        CIFAR10(root=tmp_path)


def test_binary_wrong_member_size(tmp_path, fmt, arrays):
    members = fmt.cifar_binary_members(arrays)
    members["cifar-10-batches-bin/test_batch.bin"] += b"\x00"
    fmt.write_tar_gz(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", members)
    with pytest.raises(DatasetError, match=r"member cifar-10-batches-bin/test_batch.bin\): size"):
        CIFAR10(root=tmp_path, train=False)


def test_binary_label_out_of_range(tmp_path, fmt, arrays):
    members = fmt.cifar_binary_members(arrays)
    blob = bytearray(members["cifar-10-batches-bin/test_batch.bin"])
    blob[3073] = 12
    members["cifar-10-batches-bin/test_batch.bin"] = bytes(blob)
    fmt.write_folder(tmp_path / "cifar10", members)
    with pytest.raises(DatasetError, match=r"test_batch\.bin: label 12 out of range"):
        CIFAR10(root=tmp_path, train=False)


def test_missing_member_and_meta(tmp_path, fmt, arrays):
    members = fmt.cifar_python_members(arrays)
    del members["cifar-10-batches-py/data_batch_4"]
    fmt.write_tar_gz(tmp_path / "cifar10" / "cifar-10-python.tar.gz", members)
    with pytest.raises(DatasetError, match=r"missing archive member.*data_batch_4"):
        CIFAR10(root=tmp_path)
    members = fmt.cifar_binary_members(arrays)
    del members["cifar-10-batches-bin/batches.meta.txt"]
    other = tmp_path / "other"
    fmt.write_folder(other / "cifar10", members)
    with pytest.raises(DatasetError, match=r"batches.meta.txt: cannot read file"):
        CIFAR10(root=other, train=False)


def test_truncated_archive(tmp_path, fmt, arrays):
    path = fmt.write_tar_gz(
        tmp_path / "cifar10" / "cifar-10-python.tar.gz", fmt.cifar_python_members(arrays)
    )
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match=r"cifar-10-python.tar.gz: cannot read the archive"):
        CIFAR10(root=tmp_path)


def test_member_that_is_not_a_file(tmp_path, fmt, arrays):
    members = fmt.cifar_python_members(arrays)
    path = tmp_path / "cifar10" / "cifar-10-python.tar.gz"
    path.parent.mkdir(parents=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            if name.endswith("test_batch"):
                info.type = tarfile.SYMTYPE
                info.linkname = "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
    with pytest.raises(DatasetError, match="test_batch is not a regular file"):
        CIFAR10(root=tmp_path, train=False)


def test_not_found_lists_all_layouts(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        CIFAR10(root=tmp_path)
    msg = str(info.value)
    for name in ["cifar-10-batches-py", "cifar-10-python.tar.gz", "cifar-10-batches-bin"]:
        assert str(tmp_path / "cifar10" / name) in msg
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in msg


# ----------------------------------------------------------------------------- real data

CIFAR_TEST_FIRST = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
CIFAR_TRAIN_FIRST = [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
CIFAR_BATCH1_COUNTS = [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]
CIFAR_BATCH5_COUNTS = [1014, 1014, 952, 1016, 997, 1025, 980, 977, 1003, 1022]


def test_real_cifar_train(real_cifar_train):
    ds = real_cifar_train
    assert ds.data.shape == (50000, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.targets[:10].tolist() == CIFAR_TRAIN_FIRST
    assert np.bincount(ds.targets, minlength=10).tolist() == [5000] * 10
    assert np.bincount(ds.targets[:10000], minlength=10).tolist() == CIFAR_BATCH1_COUNTS
    assert np.bincount(ds.targets[40000:], minlength=10).tolist() == CIFAR_BATCH5_COUNTS
    assert ds.classes[6] == "frog"
    means = ds.data.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(means, [0.4914, 0.4822, 0.4465], atol=5e-4)


def test_real_cifar_test(real_cifar_test):
    ds = real_cifar_test
    assert ds.data.shape == (10000, 32, 32, 3)
    assert ds.targets[:10].tolist() == CIFAR_TEST_FIRST
    assert np.bincount(ds.targets, minlength=10).tolist() == [1000] * 10
    # Channel means of the training set are well known (0.4914, 0.4822, 0.4465); the
    # test set's are close to them, which checks the HWC/RGB layout.
    means = ds.data.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(means, [0.4914, 0.4822, 0.4465], atol=0.01)


# ---------------------------------------------------------------- hostile array pickles
_NO_STATE = object()


class Reduce:
    """Pickles as ``fn(*args)`` (then ``BUILD state`` if given), as a tampered file would."""

    def __init__(self, fn, args, state=_NO_STATE) -> None:
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        if self.state is _NO_STATE:
            return (self.fn, self.args)
        return (self.fn, self.args, self.state)


def reconstruct():
    """numpy's ``_reconstruct`` (pickled under its own module name)."""
    return np.zeros(1, np.uint8).__reduce__()[0]


def write_test_batch(tmp_path, fmt, arrays, data, labels=None):
    members = fmt.cifar_python_members(arrays)
    batch = {b"data": data, b"labels": arrays[5][1] if labels is None else labels}
    members["cifar-10-batches-py/test_batch"] = pickle.dumps(batch, protocol=2)
    fmt.write_folder(tmp_path / "cifar10", members)


def test_genuine_array_pickles_still_load(tmp_path, fmt, arrays):
    # numpy's own pickling of a filled array is exactly the accepted sequence
    write_test_batch(tmp_path, fmt, arrays, arrays[5][0])
    ds = CIFAR10(root=tmp_path, train=False)
    check_split(ds, arrays[5:], fmt)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        # the 154-byte file of the review: 10 images of whatever was in memory
        (
            lambda: Reduce(reconstruct(), (np.ndarray, (10, 3072), b"b")),
            r"only \(numpy.ndarray, \(0,\), b'b'\)",
        ),
        (lambda: Reduce(reconstruct(), (np.ndarray, (0,), b"b")), "never fills it"),
        (
            lambda: Reduce(np.ndarray, ((10, 3072), np.dtype("u1"))),
            "numpy.ndarray may not be called directly",
        ),
        (
            lambda: Reduce(
                reconstruct(),
                (np.ndarray, (0,), b"b"),
                (1, (10, 3072), np.dtype("f8"), False, b"\x00" * 8),
            ),
            r"only the uint8 dtype",
        ),
        (
            lambda: Reduce(
                reconstruct(),
                (np.ndarray, (0,), b"b"),
                (1, (10, 3072), np.dtype("u1"), True, b"\x00" * 30720),
            ),
            "Fortran-ordered",
        ),
        (lambda: Reduce(codecs.encode, ("x", "utf-16")), r"encode\(str, 'latin1'\)"),
    ],
    ids=["reconstruct-with-shape", "never-filled", "ndarray-called", "float64", "fortran", "codec"],
)
def test_arrays_the_file_does_not_fill_are_refused(tmp_path, fmt, arrays, make, match):
    write_test_batch(tmp_path, fmt, arrays, make())
    with pytest.raises(DatasetError, match=match) as info:
        CIFAR10(root=tmp_path, train=False)
    assert "test_batch" in str(info.value)


@pytest.mark.parametrize(
    "shape",
    [(100_000, 3072), (2**40, 2**40), (2**62, 4)],  # the last two overflow int64
    ids=["100k-images", "int64-overflow", "wraps-to-zero"],
)
def test_declared_size_must_match_the_data_before_any_allocation(tmp_path, fmt, arrays, shape):
    evil = Reduce(
        reconstruct(), (np.ndarray, (0,), b"b"), (1, shape, np.dtype("u1"), False, b"\x00" * 64)
    )
    write_test_batch(tmp_path, fmt, arrays, evil)
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match=r"needs (\d+) bytes but the file holds 64") as info:
            CIFAR10(root=tmp_path, train=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    expected = 1
    for d in shape:
        expected *= d
    assert f"needs {expected} bytes" in str(info.value)
    assert peak < 20_000_000  # nothing near the declared size was allocated


def test_float_labels_are_refused_not_truncated(tmp_path, fmt, arrays):
    data = np.zeros((3, 3072), np.uint8)
    write_test_batch(tmp_path, fmt, arrays, data, labels=[1.7, 2.9, 0.5])
    with pytest.raises(DatasetError, match=r"label 0 is 1\.7 \(float\); labels must be ints"):
        CIFAR10(root=tmp_path, train=False)
    write_test_batch(tmp_path, fmt, arrays, data, labels=[1, True, 0])
    with pytest.raises(DatasetError, match=r"label 1 is True \(bool\)"):
        CIFAR10(root=tmp_path, train=False)
