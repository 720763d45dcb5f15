"""autograd_np: reverse-mode automatic differentiation on numpy, with a PyTorch-style API.

>>> import autograd_np as ag
>>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> loss = (x.exp() * x).sum()
>>> loss.backward()
>>> x.grad.shape
(3,)
"""

from autograd_np import ops
from autograd_np._dtypes import (
    bool_,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from autograd_np.autograd import Node, Primitive, backward, composite, grad, primitive
from autograd_np.autograd import functional as functional
from autograd_np.autograd.grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from autograd_np.creation import *  # noqa: F403
from autograd_np.creation import __all__ as _creation_all
from autograd_np.creation import as_generator
from autograd_np.ops import *  # noqa: F403
from autograd_np.ops import __all__ as _ops_all
from autograd_np.serialization import load, save
from autograd_np.tensor import Tensor, TensorLike

__version__ = "0.1.0"

__all__ = [
    "Node",
    "Primitive",
    "Tensor",
    "TensorLike",
    "as_generator",
    "backward",
    "bool_",
    "composite",
    "detect_anomaly",
    "enable_grad",
    "float16",
    "float32",
    "float64",
    "functional",
    "grad",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "load",
    "no_grad",
    "ops",
    "primitive",
    "save",
    "set_detect_anomaly",
    "set_grad_enabled",
    "uint8",
    *_creation_all,
    *_ops_all,
]
