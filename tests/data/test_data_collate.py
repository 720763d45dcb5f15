"""default_collate, default_convert and collate_arrays (PyTorch's rules, Tensor batches)."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import Tensor
from autograd_np.data import collate_arrays, default_collate, default_convert

Pair = namedtuple("Pair", ["x", "y"])


def test_numbers_get_torch_dtypes():
    out = default_collate([1, 2])
    assert isinstance(out, Tensor) and out.dtype == np.int64 and out.tolist() == [1, 2]
    # torch.tensor(batch, dtype=torch.float64) for Python floats
    assert default_collate([1.5, 2.0]).dtype == np.float64
    assert default_collate([True, False]).dtype == np.bool_
    out = default_collate([np.float64(1.0), np.float64(2.0)])
    assert isinstance(out, Tensor) and out.dtype == np.float64 and out.tolist() == [1.0, 2.0]
    assert default_collate([np.uint8(3), np.uint8(4)]).dtype == np.uint8
    assert default_collate([np.float32(3), np.float32(4)]).dtype == np.float32
    # an int first and a float later is not truncated to int
    mixed = default_collate([1, 2.5])
    assert mixed.dtype == np.float32 and mixed.tolist() == [1.0, 2.5]


def test_arrays_are_stacked_keeping_dtype():
    out = default_collate([np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8)])
    assert isinstance(out, Tensor)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out.array[1], 1)
    f32 = default_collate([np.zeros(2, np.float32)] * 3)
    assert f32.dtype == np.float32 and f32.shape == (3, 2)


def test_tensors_are_stacked_and_keep_the_graph():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    out = default_collate([w * 2.0, w * 3.0])
    assert isinstance(out, Tensor) and out.shape == (2, 2) and out.dtype == np.float32
    out.sum().backward()
    np.testing.assert_allclose(w.grad.array, [5.0, 5.0])
    with pytest.raises(RuntimeError, match="one shape"):
        default_collate([ag.zeros(2), ag.zeros(3)])


def test_nested_structures_as_torch():
    batch = [
        {"image": np.full(2, i, np.float32), "meta": (i, [float(i), "s"]), "name": f"n{i}"}
        for i in range(3)
    ]
    out = default_collate(batch)
    assert type(out) is dict and set(out) == {"image", "meta", "name"}
    assert isinstance(out["image"], Tensor)
    assert out["image"].shape == (3, 2) and out["image"].dtype == np.float32
    # torch turns a tuple of fields into a list
    assert type(out["meta"]) is list
    ints, (floats, strings) = out["meta"]
    assert ints.tolist() == [0, 1, 2] and ints.dtype == np.int64
    assert floats.dtype == np.float64 and strings == ["s", "s", "s"]
    assert out["name"] == ["n0", "n1", "n2"]


def test_namedtuple_and_mapping_types_are_kept():
    out = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(out, Pair)
    assert out.x.tolist() == [1, 3] and out.y.dtype == np.float64
    lst = default_collate([[1, 2], [3, 4]])
    assert type(lst) is list and [a.tolist() for a in lst] == [[1, 3], [2, 4]]
    tup = default_collate([(1, 2), (3, 4)])
    assert type(tup) is list
    od = default_collate([OrderedDict(a=1, b=2), OrderedDict(a=3, b=4)])
    assert type(od) is OrderedDict and list(od) == ["a", "b"] and od["b"].tolist() == [2, 4]


def test_collate_arrays_is_the_numpy_layer():
    samples = [(np.zeros(3, np.float32), 1, "a"), (np.ones(3, np.float32), 2, "b")]
    arrays = collate_arrays(samples)
    assert type(arrays) is tuple and type(arrays[0]) is np.ndarray
    tensors = default_collate(samples)
    converted = default_convert(arrays)
    assert type(converted) is list and type(tensors) is list
    for a, b in zip(converted[:2], tensors[:2]):
        assert isinstance(a, Tensor) and a.dtype == b.dtype
        np.testing.assert_array_equal(a.array, b.array)
    assert converted[2] == tensors[2] == ["a", "b"]


def test_default_convert_as_torch():
    arr = np.arange(4)
    out = default_convert({"x": arr, "n": 3, "s": "t", "pair": Pair(np.float32(1), 2.0)})
    assert isinstance(out["x"], Tensor) and out["x"].array is arr  # shares memory
    assert out["n"] == 3 and out["s"] == "t"
    assert isinstance(out["pair"], Pair) and isinstance(out["pair"].x, Tensor)
    assert out["pair"].x.shape == () and out["pair"].y == 2.0
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings
    assert default_convert((1, 2)) == [1, 2]
    t = ag.ones(2)
    assert default_convert(t) is t


def test_errors_are_clear():
    with pytest.raises(TypeError, match="empty batch"):
        default_collate([])
    with pytest.raises(RuntimeError, match=r"shape \(2,\) but sample 1 has shape \(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1, 2, 3)])
    with pytest.raises(TypeError, match="keys"):
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
