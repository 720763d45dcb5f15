"""Parameter initialization, PyTorch's ``torch.nn.init``.

Every function fills its tensor in place (under ``no_grad``, through the Tensor in-place API,
so the tensor's version counter is bumped) and returns it. Randomness comes from the
``generator`` keyword: an ``autograd_np.Generator``, an ``np.random.Generator``, an int seed,
or None for the default generator (seeded by ``autograd_np.manual_seed``). Values are drawn
in float64 and then cast to the tensor's dtype, so the same seed gives the same weights (up
to rounding) in float32 and float64.

Reproducible models: create one Generator and pass it to every layer in turn; each layer
draws its weights from it in order::

    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 8, generator=rng), nn.ReLU(),
                          nn.Linear(8, 2, generator=rng))

Examples
--------
>>> import numpy as np
>>> import autograd_np as ag
>>> from autograd_np.nn import init
>>> w = ag.empty(64, 32)
>>> _ = init.kaiming_uniform_(w, nonlinearity="relu", generator=0)
>>> bool(np.abs(w.array).max() <= np.sqrt(6 / 32))
True
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from autograd_np.autograd.grad_mode import no_grad
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

TensorOrArray = Tensor | np.ndarray

_LINEAR_FNS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)


def _shape(tensor: TensorOrArray, fn: str) -> tuple[int, ...]:
    if not isinstance(tensor, (Tensor, np.ndarray)):
        raise TypeError(f"{fn}: expected a Tensor or np.ndarray, got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating-point tensor, got dtype {tensor.dtype}")
    return tuple(tensor.shape)


def _fill(tensor: TensorOrArray, values: Any) -> TensorOrArray:
    """Write ``values`` (cast to the tensor's dtype) into ``tensor`` in place."""
    if isinstance(tensor, Tensor):
        with no_grad():
            tensor.copy_(values)
    else:
        np.copyto(tensor, values, casting="unsafe")
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (the factor on the weights' std).

    ========================= ===========================================
    nonlinearity              gain
    ========================= ===========================================
    linear, conv*, sigmoid    1
    tanh                      5/3
    relu                      sqrt(2)
    leaky_relu                sqrt(2 / (1 + negative_slope**2))
    selu                      3/4
    ========================= ===========================================

    Parameters
    ----------
    nonlinearity : str
        The nn.functional name of the nonlinearity.
    param : float, optional
        The negative slope of ``leaky_relu`` (default 0.01).
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: TensorOrArray) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape (out, in, *kernel): ``in * prod(kernel)``
    and ``out * prod(kernel)``."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {shape})"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: TensorOrArray, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor: TensorOrArray, a: float = 0.0, b: float = 1.0, generator: GeneratorLike = None
) -> TensorOrArray:
    """Fill with samples of the uniform distribution on ``[a, b)``; returns ``tensor``."""
    shape = _shape(tensor, "uniform_")
    return _fill(tensor, as_generator(generator).uniform(a, b, size=shape))


def normal_(
    tensor: TensorOrArray, mean: float = 0.0, std: float = 1.0, generator: GeneratorLike = None
) -> TensorOrArray:
    """Fill with samples of the normal distribution N(mean, std**2); returns ``tensor``."""
    shape = _shape(tensor, "normal_")
    return _fill(tensor, as_generator(generator).normal(mean, std, size=shape))


def trunc_normal_(
    tensor: TensorOrArray,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: GeneratorLike = None,
) -> TensorOrArray:
    """Fill with samples of N(mean, std**2) restricted to ``[a, b]`` (absolute bounds, as in
    PyTorch); returns ``tensor``.

    Samples outside the bounds are redrawn, so the values follow the truncated
    distribution exactly.
    """
    shape = _shape(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "trunc_normal_: mean is more than 2 std from [a, b]; sampling may be slow",
            stacklevel=2,
        )
    rng = as_generator(generator)
    out = rng.normal(mean, std, size=shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, size=int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor: TensorOrArray, val: float) -> TensorOrArray:
    """Fill with ``val``; returns ``tensor``."""
    _shape(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor: TensorOrArray) -> TensorOrArray:
    """Fill with zeros; returns ``tensor``."""
    return constant_(tensor, 0.0)


def ones_(tensor: TensorOrArray) -> TensorOrArray:
    """Fill with ones; returns ``tensor``."""
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: TensorOrArray, gain: float = 1.0, generator: GeneratorLike = None
) -> TensorOrArray:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Shapes
    ------
    tensor : (out, in, *kernel), at least 2-D.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: TensorOrArray, gain: float = 1.0, generator: GeneratorLike = None
) -> TensorOrArray:
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: TensorOrArray, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))


def kaiming_uniform_(
    tensor: TensorOrArray,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: GeneratorLike = None,
) -> TensorOrArray:
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    Parameters
    ----------
    tensor : Tensor or np.ndarray
        At least 2-D, shaped (out, in, *kernel).
    a : float, default 0
        The negative slope of the rectifier after this layer (for ``leaky_relu``).
    mode : {"fan_in", "fan_out"}
        ``fan_in`` keeps the variance of activations in the forward pass, ``fan_out`` that
        of gradients in the backward pass.
    nonlinearity : str, default "leaky_relu"
        See :func:`calculate_gain`.
    generator : np.random.Generator or int, optional
    """
    _shape(tensor, "kaiming_uniform_")
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: TensorOrArray,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: GeneratorLike = None,
) -> TensorOrArray:
    """He normal: N(0, std**2) with ``std = gain / sqrt(fan)``; see
    :func:`kaiming_uniform_` for the arguments."""
    _shape(tensor, "kaiming_normal_")
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(
    tensor: TensorOrArray, gain: float = 1.0, generator: GeneratorLike = None
) -> TensorOrArray:
    """A (semi-)orthogonal matrix times ``gain``, from the QR decomposition of a Gaussian
    matrix (Saxe et al. 2013).

    Shapes
    ------
    tensor : (rows, *rest), at least 2-D; viewed as a (rows, prod(rest)) matrix whose rows
    (when rows <= cols) or columns (otherwise) are orthonormal.
    """
    shape = _shape(tensor, "orthogonal_")
    if len(shape) < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got {shape}"
        )
    if math.prod(shape) == 0:
        return tensor
    rows = shape[0]
    cols = math.prod(shape[1:])
    flat = as_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T  # (rows, cols) -> (cols, rows): QR needs a tall matrix
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # make the decomposition unique (uniform over O(n))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(shape))
