"""Helpers shared by the layers: argument normalisation and parameter creation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np._dtypes import DEFAULT_FLOAT, DTypeLike
from autograd_np.nn.parameter import Parameter

GeneratorLike = np.random.Generator | int | None


def check_device(device: Any, layer: str) -> None:
    """Accept None or 'cpu' (the only device); for code written for PyTorch."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"{layer}: unsupported device {device!r}; only 'cpu' exists")


def float_dtype(dtype: DTypeLike | None, layer: str) -> np.dtype[Any]:
    """The parameters' dtype: float32 by default; must be floating point."""
    dt = DEFAULT_FLOAT if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{layer}: dtype must be a floating-point dtype, got {dt}")
    return dt


def empty_parameter(shape: Sequence[int], dtype: np.dtype[Any]) -> Parameter:
    """A Parameter of the given shape whose values ``reset_parameters`` then sets."""
    return Parameter(np.zeros(tuple(shape), dtype=dtype))
