"""The softmax family as engine ops: ``autograd_np.softmax``/``log_softmax`` and the Tensor
methods, with PyTorch's signatures, are the ``nn.functional`` functions themselves (one
registry entry each, checked by the registry-driven test)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.testing import gradcheck
from autograd_np.testing.registry import REGISTRY

X = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -0.25]])


def _expected_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_top_level_and_functional_are_one_function_with_one_registry_entry(name):
    fn = getattr(ag, name)
    assert fn is getattr(F, name)
    entries = [info for info in REGISTRY.values() if info.fn is fn]
    assert [info.name for info in entries] == [f"nn.functional.{name}"]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_values_of_every_form_agree(dim):
    x = ag.tensor(X)
    expected = _expected_softmax(X, dim)
    for out in (ag.softmax(x, dim), x.softmax(dim), F.softmax(x, dim=dim)):
        np.testing.assert_allclose(out.array, expected, rtol=1e-12)
    for out in (ag.log_softmax(x, dim), x.log_softmax(dim), F.log_softmax(x, dim=dim)):
        np.testing.assert_allclose(out.array, np.log(expected), rtol=1e-12)


def test_torch_signature_takes_dtype_by_position_or_keyword():
    x = ag.tensor(X.astype(np.float32))
    assert ag.softmax(x, 1, np.float64).dtype == np.float64
    assert ag.log_softmax(x, 1, dtype=np.float64).dtype == np.float64
    assert x.softmax(0, np.float64).dtype == np.float64
    assert x.log_softmax(0, dtype=np.float64).dtype == np.float64
    assert x.softmax(0).dtype == np.float32


def test_tensor_methods_require_dim_as_in_torch():
    x = ag.tensor(X)
    with pytest.raises(TypeError):
        x.softmax()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        x.log_softmax()  # type: ignore[call-arg]


def test_integer_input_raises_unless_converted():
    x = ag.tensor([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="softmax"):
        x.softmax(1)
    expected = _expected_softmax(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)
    np.testing.assert_allclose(x.softmax(1, np.float64).array, expected, rtol=1e-12)


@pytest.mark.parametrize("method", ["softmax", "log_softmax"])
def test_methods_differentiate(method):
    x = ag.tensor(X, requires_grad=True)
    w = ag.tensor(np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]]))
    assert gradcheck(lambda t: (getattr(t, method)(1) * w).sum(), (x,))
