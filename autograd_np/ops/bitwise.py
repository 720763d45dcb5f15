"""Bitwise operations on integer and bool tensors, elementwise with broadcasting:
``bitwise_and``/``or``/``xor``/``not`` and the shifts (the ``&``, ``|``, ``^``, ``~``,
``<<`` and ``>>`` operators of a Tensor).

As in PyTorch, on bool tensors they are the logical operations (a bool result), on integers
they work bit by bit, and floating tensors raise. Dtypes promote as in arithmetic
(``bool_tensor & 1`` is int64). Not differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import primitive
from autograd_np.dtypes import check_kind
from autograd_np.ops.arithmetic import _promoted
from autograd_np.testing.registry import Sample, Sampler

__all__ = [
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
]


def _ints_spec(n: int, *, bools: bool = True, low: int = -8, high: int = 8) -> Any:
    def spec(s: Sampler) -> Sample:
        shapes = s.broadcastable_shapes(n)
        if bools and s.boolean():
            return Sample(tuple(s.int_array(sh, 0, 1).astype(bool) for sh in shapes))
        return Sample(tuple(s.int_array(sh, low, high) for sh in shapes))

    return spec


def _binary(name: str, fn: Any, *, spec: Any = None) -> Any:
    @primitive(name, spec=spec or _ints_spec(2), ref=fn, differentiable=False)
    def op(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        check_kind(name, x, y)
        if "shift" in name and x.dtype.kind == "b" and y.dtype.kind == "b":
            raise TypeError(f"{name}: not supported for two bool tensors (as in PyTorch)")
        return fn(*_promoted(x, y))

    op.__doc__ = f"""``{fn.__name__}(x, y)`` elementwise with broadcasting, on integer or bool
    tensors (floating tensors raise TypeError, as in PyTorch).

    Parameters
    ----------
    x, y : Tensor or number
        Integer or bool operands, broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype; never requires grad.
    """
    return op


bitwise_and = _binary("bitwise_and", np.bitwise_and)
bitwise_or = _binary("bitwise_or", np.bitwise_or)
bitwise_xor = _binary("bitwise_xor", np.bitwise_xor)
_shift_spec = _ints_spec(2, bools=False, low=0, high=5)
bitwise_left_shift = _binary("bitwise_left_shift", np.left_shift, spec=_shift_spec)
bitwise_right_shift = _binary("bitwise_right_shift", np.right_shift, spec=_shift_spec)


@primitive(spec=_ints_spec(1), ref=np.invert, differentiable=False)
def bitwise_not(x: np.ndarray) -> np.ndarray:
    """``~x``: logical not for bool tensors, the bitwise complement for integers."""
    check_kind("bitwise_not", x)
    return np.invert(x)
