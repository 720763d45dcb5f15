"""The autograd engine, as a package (as ``torch.autograd``).

* :mod:`~autograd_np.autograd.graph` -- :class:`Node`, what one recorded call keeps, and
  :data:`~autograd_np.autograd.graph.ENGINE`, the table through which the engine reaches the
  Tensor class and the few ops it uses (filled by ``autograd_np.tensor`` and
  ``autograd_np.ops``; the engine imports neither).
* :mod:`~autograd_np.autograd.primitive` -- the ``@primitive`` declaration and the dispatch
  that records nodes.
* :mod:`~autograd_np.autograd.backward` -- the reverse traversal: ``backward`` and ``grad``.
* :mod:`~autograd_np.autograd.grad_mode` -- ``no_grad``, ``enable_grad``, anomaly mode.
* :mod:`~autograd_np.autograd.views` -- tensors sharing values, and in-place changes
  through them.
* :mod:`~autograd_np.autograd.functional` -- ``jacobian``, ``hessian``, ``jvp``... (imported
  on its own: ``from autograd_np.autograd.functional import jacobian``).
"""

from autograd_np.autograd import grad_mode
from autograd_np.autograd.backward import backward, grad
from autograd_np.autograd.grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from autograd_np.autograd.graph import Node, increment_version
from autograd_np.autograd.primitive import Primitive, composite, primitive

__all__ = [
    "Node",
    "Primitive",
    "backward",
    "composite",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "grad_mode",
    "increment_version",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "primitive",
    "set_detect_anomaly",
    "set_grad_enabled",
]
