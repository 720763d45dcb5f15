"""Property-based gradient checking, public so users can check their own ops the way we
check ours.

* :func:`gradcheck`, :func:`gradgradcheck`: first- and second-order VJPs against finite
  differences in float64, with random cotangents and projections.
* :func:`check_op`: every property check of the generic suite on one registered op.
* :mod:`autograd_np.testing.strategies`: hypothesis strategies for tensors and samples
  (imported on first use; needs hypothesis, from the ``test`` extra).
"""

from __future__ import annotations

from typing import Any

from autograd_np.testing.check_op import check_op, check_sample, resolve_op
from autograd_np.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "GradcheckError",
    "check_op",
    "check_sample",
    "gradcheck",
    "gradgradcheck",
    "resolve_op",
    "strategies",
]


def __getattr__(name: str) -> Any:
    if name == "strategies":
        import importlib

        return importlib.import_module("autograd_np.testing.strategies")
    raise AttributeError(f"module 'autograd_np.testing' has no attribute {name!r}")
