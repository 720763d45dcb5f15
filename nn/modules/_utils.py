"""Helpers shared by the layers: argument normalisation and parameter creation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.devices import check_device as check_device
from autograd_np.dtypes import DTypeLike, get_default_dtype
from autograd_np.nn.parameter import Parameter
from autograd_np.random import GeneratorLike as GeneratorLike  # one home: autograd_np.random


def float_dtype(dtype: DTypeLike | None, layer: str) -> np.dtype[Any]:
    """The parameters' dtype: the default dtype (float32) unless given; floating point."""
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{layer}: dtype must be a floating-point dtype, got {dt}")
    return dt


def empty_parameter(shape: Sequence[int], dtype: np.dtype[Any]) -> Parameter:
    """A Parameter of the given shape whose values ``reset_parameters`` then sets."""
    return Parameter(np.zeros(tuple(shape), dtype=dtype))
