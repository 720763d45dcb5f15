"""Comparisons, logical operations and predicates, elementwise with broadcasting.

Their outputs are bool tensors that never require grad (the ops are declared
non-differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import primitive
from autograd_np.ops.specs import binary, unary

__all__ = [
    "equal",
    "greater",
    "greater_equal",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "not_equal",
]


def _comparison(name: str, fn: Any) -> Any:
    @primitive(name, spec=binary(), ref=fn, differentiable=False)
    def op(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return fn(x, y)

    op.__doc__ = (
        f"``{fn.__name__}(x, y)`` elementwise with broadcasting: a bool tensor (never "
        "requires grad)."
    )
    return op


equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)
less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
logical_and = _comparison("logical_and", np.logical_and)
logical_or = _comparison("logical_or", np.logical_or)
logical_xor = _comparison("logical_xor", np.logical_xor)


def _predicate(name: str, fn: Any) -> Any:
    @primitive(name, spec=unary(), ref=fn, differentiable=False)
    def op(x: np.ndarray) -> np.ndarray:
        return fn(x)

    op.__doc__ = f"``{fn.__name__}(x)`` elementwise: a bool tensor (never requires grad)."
    return op


logical_not = _predicate("logical_not", np.logical_not)
isnan = _predicate("isnan", np.isnan)
isinf = _predicate("isinf", np.isinf)
isfinite = _predicate("isfinite", np.isfinite)
