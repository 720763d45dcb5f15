"""Property-based gradient checking, public so users can check their own ops the way we
check ours.

* :func:`gradcheck`, :func:`gradgradcheck`: first- and second-order VJPs against finite
  differences in float64, with random cotangents and projections.
* :func:`check_op`: every property check of the generic suite on one registered op.
* :mod:`autograd_np.testing.registry`: the registry of ops and their sample specifications
  (``OpInfo``, ``Sample``) that the generic tests read.
* :mod:`autograd_np.testing.strategies`: hypothesis strategies for tensors and samples
  (imported on first use; needs hypothesis, from the ``test`` extra).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd_np.testing._check_op import check_op, check_sample, resolve_op
    from autograd_np.testing._gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "GradcheckError",
    "check_op",
    "check_sample",
    "gradcheck",
    "gradgradcheck",
    "registry",
    "resolve_op",
    "strategies",
]

# Loaded on first use: the engine imports autograd_np.testing.registry while it starts, and
# the checks import the engine.
_HOMES = {
    "GradcheckError": "_gradcheck",
    "gradcheck": "_gradcheck",
    "gradgradcheck": "_gradcheck",
    "check_op": "_check_op",
    "check_sample": "_check_op",
    "resolve_op": "_check_op",
}


def __getattr__(name: str) -> Any:
    if name in ("strategies", "registry"):
        return importlib.import_module(f"autograd_np.testing.{name}")
    if name in _HOMES:
        module = importlib.import_module(f"autograd_np.testing.{_HOMES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'autograd_np.testing' has no attribute {name!r}")
