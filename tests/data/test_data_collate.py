"""default_collate."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from autograd_np.data import default_collate

Pair = namedtuple("Pair", ["x", "y"])


def test_numbers_get_library_dtypes():
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([1.5, 2.0]).dtype == np.float32
    assert default_collate([True, False]).dtype == np.bool_
    out = default_collate([np.float64(1.0), np.float64(2.0)])
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0]
    assert default_collate([np.uint8(3), np.uint8(4)]).dtype == np.uint8


def test_arrays_are_stacked_keeping_dtype():
    out = default_collate([np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8)])
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[1], 1)


def test_nested_structures():
    batch = [
        {"image": np.full(2, i, np.float32), "meta": (i, [float(i), "s"]), "name": f"n{i}"}
        for i in range(3)
    ]
    out = default_collate(batch)
    assert set(out) == {"image", "meta", "name"}
    assert out["image"].shape == (3, 2) and out["image"].dtype == np.float32
    ints, (floats, strings) = out["meta"]
    assert isinstance(out["meta"], tuple)
    assert ints.tolist() == [0, 1, 2] and ints.dtype == np.int64
    assert floats.dtype == np.float32 and strings == ["s", "s", "s"]
    assert out["name"] == ["n0", "n1", "n2"]


def test_namedtuple_and_list_keep_type():
    out = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(out, Pair)
    assert out.x.tolist() == [1, 3] and out.y.dtype == np.float32
    lst = default_collate([[1, 2], [3, 4]])
    assert isinstance(lst, list) and [a.tolist() for a in lst] == [[1, 3], [2, 4]]


def test_errors_are_clear():
    with pytest.raises(TypeError, match="empty batch"):
        default_collate([])
    with pytest.raises(ValueError, match=r"shape \(2,\) but sample 1 has shape \(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="sequence of 2 fields"):
        default_collate([(1, 2), (1, 2, 3)])
    with pytest.raises(TypeError, match="keys"):
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
