"""autograd_np: reverse-mode automatic differentiation on numpy, with a PyTorch-style API.

>>> import autograd_np as ag
>>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> loss = (x.exp() * x).sum()
>>> loss.backward()
>>> x.grad.shape
(3,)

PyTorch programs run with only their imports changed (``import autograd_np as torch``):
the namespace has PyTorch's dtype names (``float``, ``long``...), devices (the CPU only),
seeding (``manual_seed``), grad modes, and ``torch.nn``, ``torch.optim`` and
``torch.utils.data`` as attributes (loaded on first use: the engine itself never imports
them).
"""

import importlib as _importlib
from typing import Any as _Any

import numpy as _np

from autograd_np import accelerator, allocator, amp, backends, cuda, ops, serialization
from autograd_np.amp import autocast
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
from autograd_np.compiler import compile as compile
from autograd_np.creation import *  # noqa: F403
from autograd_np.creation import __all__ as _creation_all
from autograd_np.devices import device
from autograd_np.dtypes import (
    bfloat16,
    bool_,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from autograd_np.inference import inference_mode, is_inference_mode_enabled
from autograd_np.ops import *  # noqa: F403
from autograd_np.ops import __all__ as _ops_all
from autograd_np.parallel import get_num_threads, set_num_threads
from autograd_np.random import (
    Generator,
    as_generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from autograd_np.sampling import *  # noqa: F403
from autograd_np.sampling import __all__ as _sampling_all
from autograd_np.serialization import load, save
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.torch_functions import *  # noqa: F403
from autograd_np.torch_functions import __all__ as _torch_functions_all

__version__ = "0.1.0"

allocator._at_import()  # numpy's large temporaries stay in the process (see allocator)

# PyTorch's dtype names (numpy dtypes underneath). Defined after the imports above: the
# names float, int and bool shadow the builtins in this module from here on.
double = float64
half = float16
long = int64
short = int16
float = float32
int = int32
bool = _np.bool_
from autograd_np.torch_functions import all as all  # noqa: E402
from autograd_np.torch_functions import any as any  # noqa: E402


def is_floating_point(input: Tensor) -> "_Any":
    """True when ``input`` has a floating-point dtype (PyTorch's ``torch.is_floating_point``)."""
    return input.is_floating_point()


def is_tensor(obj: object) -> "_Any":
    """True when ``obj`` is a :class:`Tensor`."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> "_Any":
    """The number of elements of ``input``."""
    return input.numel()


_LAZY = ("data", "nn", "optim", "utils")


def __getattr__(name: str) -> _Any:
    # torch.nn, torch.optim and torch.utils.data after `import autograd_np as torch`, loaded
    # on first use so that importing the engine never imports them
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# float, int, bool, compile, all and any are left out of __all__: `from autograd_np import *`
# must not shadow the builtins.
__all__ = [
    "Generator",
    "Node",
    "Primitive",
    "Tensor",
    "TensorLike",
    "accelerator",
    "amp",
    "as_generator",
    "autocast",
    "backends",
    "backward",
    "bfloat16",
    "bool_",
    "composite",
    "cuda",
    "default_generator",
    "detect_anomaly",
    "device",
    "double",
    "enable_grad",
    "finfo",
    "float16",
    "float32",
    "float64",
    "functional",
    "get_default_dtype",
    "get_num_threads",
    "get_rng_state",
    "grad",
    "half",
    "iinfo",
    "inference_mode",
    "initial_seed",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_anomaly_enabled",
    "is_floating_point",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_tensor",
    "load",
    "long",
    "manual_seed",
    "set_num_threads",
    "no_grad",
    "numel",
    "ops",
    "primitive",
    "save",
    "seed",
    "serialization",
    "set_default_dtype",
    "set_detect_anomaly",
    "set_grad_enabled",
    "set_rng_state",
    "short",
    "uint8",
    *_creation_all,
    *_ops_all,
    *_sampling_all,
    *_torch_functions_all,
]
