"""The shared engine helpers: int_tuple and its one error type, increment_version, and the
one RemovableHandle of tensors and modules."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn as nn
from autograd_np.arguments import ArgumentError, int_tuple
from autograd_np.autograd import increment_version
from autograd_np.hooks import RemovableHandle


def test_int_tuple_repeats_an_int_and_checks_length_type_and_minimum():
    assert int_tuple(3, 2, "kernel_size") == (3, 3)
    assert int_tuple((1, 2), 2, "stride") == (1, 2)
    assert int_tuple([4], 3, "size") == (4, 4, 4)
    assert int_tuple(np.int64(2), 1, "k") == (2,)
    for bad in ((1, 2, 3), "ab", 1.5, True, (1, 2.0)):
        with pytest.raises(ArgumentError, match="op: k must be an int or a sequence of 2"):
            int_tuple(bad, 2, "k", op="op")
    with pytest.raises(ArgumentError, match="stride must be positive"):
        int_tuple(0, 2, "stride", minimum=1)
    # one error type, caught as either of the built-in ones
    assert issubclass(ArgumentError, TypeError) and issubclass(ArgumentError, ValueError)


def test_increment_version_makes_a_saved_tensor_refuse_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h * h
    h.array[0] = 5.0  # a change autograd cannot see...
    increment_version(h)  # ...recorded
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_tensor_and_module_hooks_share_one_removable_handle():
    x = ag.tensor([1.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.item()))
    assert isinstance(handle, RemovableHandle)
    (x * 3).sum().backward()
    handle.remove()
    handle.remove()
    (x * 3).sum().backward()
    assert seen == [3.0]
    layer = nn.Linear(1, 1)
    with layer.register_forward_hook(lambda m, i, o: seen.append("hook")) as h:
        assert isinstance(h, RemovableHandle)
        layer(ag.ones(1, 1))
    layer(ag.ones(1, 1))
    assert seen == [3.0, "hook"]
