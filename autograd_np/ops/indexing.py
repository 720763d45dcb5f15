"""Indexing: ``x[key]`` with basic, advanced and boolean keys, and its scatter-add VJP."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.function import Sample, Sampler, primitive
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["getitem"]


def _is_basic(key: Any) -> bool:
    """True when ``key`` uses only ints, slices, None and Ellipsis (no repeats possible)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis for k in parts)


def _normalize_key(key: Any) -> Any:
    if isinstance(key, Tensor):
        return key.data
    if isinstance(key, list):
        return np.asarray(key)
    if isinstance(key, tuple):
        return tuple(_normalize_key(k) for k in key)
    return key


def _getitem_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    x = s.array(shape)
    kind = s.choice(["int", "slice", "array", "mask", "mixed"])
    key: Any
    if kind == "int":
        key = s.integers(-shape[0], shape[0] - 1)
    elif kind == "slice":
        key = slice(s.integers(0, shape[0] - 1), None, s.choice([1, 2, -1]))
    elif kind == "array":
        # repeated indices: their gradients must add up
        key = s.int_array((s.integers(1, 5),), -shape[0], shape[0] - 1)
    elif kind == "mask":
        key = s.int_array(shape, 0, 1).astype(bool)
    else:
        key = (slice(None), s.int_array((3,), 0, shape[1] - 1)) if len(shape) > 1 else Ellipsis
    return Sample((x,), {"key": key})


@primitive("getitem", spec=_getitem_spec, ref=lambda x, key: x[key], saves=())
def _getitem(x: np.ndarray, *, key: Any) -> np.ndarray:
    return x[key]


@_getitem.defvjp
def _getitem_vjp(g: Tensor, out: Tensor, x: Tensor, *, key: Any) -> Tensor:
    return _index_add_into_zeros(g, key=key, shape=x.shape)  # scatter g back to where it came


def _scatter_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    idx = s.int_array((s.integers(1, 5),), 0, shape[0] - 1)
    g = s.array((len(idx), *shape[1:]))
    return Sample((g,), {"key": idx, "shape": shape})


def _scatter_ref(g: np.ndarray, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, key, g)
    return out


@primitive("index_add_into_zeros", spec=_scatter_spec, ref=_scatter_ref, saves=())
def _index_add_into_zeros(g: np.ndarray, *, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices accumulate)."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key) or (isinstance(key, np.ndarray) and key.dtype == np.bool_):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


@_index_add_into_zeros.defvjp
def _index_add_into_zeros_vjp(
    gg: Tensor, out: Tensor, g: Tensor, *, key: Any, shape: tuple[int, ...]
) -> Tensor:
    return _getitem(gg, key=key)  # the adjoint of a scatter-add is a gather


@_getitem.expose
def getitem(x: TensorLike, key: Any) -> Tensor:
    """``x[key]`` with numpy semantics: basic, advanced (integer arrays) and boolean keys.

    Gradients of repeated indices add up.
    """
    t = x if isinstance(x, Tensor) else Tensor(x)
    key = _normalize_key(key)
    try:
        return _getitem(t, key=key)
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor of shape {t.shape})") from None
