"""Activation functions and the softmax family (PyTorch's ``torch.nn.functional`` names).

``relu``, ``sigmoid`` and ``tanh`` are the engine's own primitives (one registry entry each);
the others are primitives declared here, with VJPs in differentiable Tensor ops, or
composites of engine ops. ``erf`` is implemented here (numpy has none) for the exact GELU.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_np.autograd import composite, grad_mode, primitive
from autograd_np.creation import as_tensor
from autograd_np.dtypes import check_kind
from autograd_np.ops.arithmetic import add, multiply, negative, square, subtract
from autograd_np.ops.piecewise import masked_grad, relu, where
from autograd_np.ops.softmax_family import log_softmax, softmax
from autograd_np.ops.specs import unary
from autograd_np.ops.transcendental import exp, sigmoid, tanh
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = [
    "elu",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]


# ---------------------------------------------------------------------- erf
# Chebyshev interpolants of our own, fitted in float64 at 400 Chebyshev nodes against
# Python's math.erf / math.erfc (max relative error about 2e-15 over the whole line):
#   |x| < 1.5:       erf(x)  = x * S(t),               t = x^2 / 1.125 - 1
#   1.5 <= |x| < 6:  erfc(|x|) = exp(-x^2) * L(t),     t = 2 (1/|x| - 1/6) / (1/1.5 - 1/6) - 1
#   |x| >= 6:        erf(x) = sign(x) (erfc(6) ~ 2e-17 is below float64 resolution near 1)
_ERF_SMALL = (
    0.8510894713106234,
    -0.23785121267820364,
    0.03469122300310848,
    -0.00426410280448518,
    0.00044091979333001503,
    -3.901387128621927e-05,
    3.0057567849434867e-06,
    -2.0467950133744577e-07,
    1.2474368263131486e-08,
    -6.875750975440497e-10,
    3.4576874442701245e-11,
    -1.5981186090712807e-12,
    6.823621825439688e-14,
    -2.637755330588743e-15,
    6.280369834735103e-17,
)
_ERFC_LARGE = (
    0.21278522070247846,
    0.11446777896269983,
    -0.005659164948436235,
    -5.65614681590592e-05,
    5.466007785431268e-05,
    -6.8586393303446925e-06,
    2.9382872436509964e-07,
    6.328670005510536e-08,
    -1.7458147250711972e-08,
    2.2202901176977563e-09,
    -8.519947626321742e-11,
    -3.378438223899374e-11,
    1.0052795894438312e-11,
    -1.5446134205745966e-12,
    1.0882832218573277e-13,
    1.6462230309609865e-14,
    -7.615480589071785e-15,
    1.5857933832706136e-15,
    -1.7271017045521533e-16,
)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _chebval(t: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    """Clenshaw's recurrence for ``sum_k c_k T_k(t)``; Python-float coefficients keep the
    dtype of ``t``."""
    b1 = np.zeros_like(t)
    b2 = np.zeros_like(t)
    two_t = 2 * t
    for c in coeffs[:0:-1]:
        b1, b2 = two_t * b1 - b2 + c, b1
    return t * b1 - b2 + coeffs[0]


def erf_numpy(x: np.ndarray) -> np.ndarray:
    """The error function of a float array, in its own dtype (about 2e-15 relative error in
    float64, a few ulps in float32)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    flat = x.reshape(-1)
    out = np.sign(flat)  # |x| >= 6 (and nan, which stays nan)
    ax = np.abs(flat)
    small = ax < 1.5
    if small.any():
        xs = flat[small]
        out[small] = xs * _chebval(xs * xs * (1 / 1.125) - 1, _ERF_SMALL)
    mid = (ax >= 1.5) & (ax < 6.0)
    if mid.any():
        am = ax[mid]
        lo, hi = 1.0 / 6.0, 1.0 / 1.5
        t = (1 / am - lo) * (2 / (hi - lo)) - 1
        erfc = np.exp(-am * am) * _chebval(t, _ERFC_LARGE)
        out[mid] = np.sign(flat[mid]) * (1 - erfc)
    return out.reshape(x.shape)


@primitive(
    "nn.functional.erf", spec=unary(low=-4.0, high=4.0), ref=np.vectorize(math.erf), saves=(0,)
)
def erf(x: np.ndarray) -> np.ndarray:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise.

    Accurate to about 2e-15 relative error in float64 (numpy has no erf of its own).
    """
    return erf_numpy(x)


@erf.defvjp
def _erf_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    # d erf(x) = 2/sqrt(pi) exp(-x^2) dx
    return multiply(g, multiply(exp(negative(square(x))), _TWO_OVER_SQRT_PI))


# ---------------------------------------------------------------------- piecewise linear
def _leaky_relu_spec(s: Sampler) -> Sample:
    x = s.array(s.shape(), avoid=(0.0,))
    return Sample((x,), {"negative_slope": s.choice([0.01, 0.2, -0.5])})


def _leaky_relu_ref(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, x * negative_slope)


@primitive("nn.functional.leaky_relu", spec=_leaky_relu_spec, ref=_leaky_relu_ref, saves=(0,))
def _leaky_relu(x: np.ndarray, *, negative_slope: float) -> np.ndarray:
    check_kind("leaky_relu", x)
    return np.where(x > 0, x, x * negative_slope)


@_leaky_relu.defvjp
def _leaky_relu_vjp(g: Tensor, out: Tensor, x: Tensor, *, negative_slope: float) -> Tensor:
    # d leaky_relu = ([x > 0] + slope [x <= 0]) dx; a product as in PyTorch (g * 1 is exact;
    # an inf gradient times a slope of 0 is nan there too)
    slope = np.where(x.array > 0, 1.0, negative_slope).astype(g.dtype)
    return multiply(g, Tensor.from_array(slope))


@_leaky_relu.expose
def leaky_relu(input: TensorLike, negative_slope: float = 0.01) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``.

    Parameters
    ----------
    input : Tensor
        Any shape.
    negative_slope : float, default 0.01
        The slope for negative inputs.

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.leaky_relu(ag.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1,  2. ])
    """
    return _leaky_relu(as_tensor(input), negative_slope=float(negative_slope))


def _hardtanh_spec(s: Sampler) -> Sample:
    x = s.array(s.shape(), low=-3.0, high=3.0, avoid=(-1.0, 0.5))
    return Sample((x,), {"min_val": -1.0, "max_val": 0.5})


def _hardtanh_ref(x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    return np.clip(x, min_val, max_val)


@primitive("nn.functional.hardtanh", spec=_hardtanh_spec, ref=_hardtanh_ref, saves=(0,))
def _hardtanh(x: np.ndarray, *, min_val: float, max_val: float) -> np.ndarray:
    check_kind("hardtanh", x)
    return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)  # ints stay ints


@_hardtanh.defvjp
def _hardtanh_vjp(g: Tensor, out: Tensor, x: Tensor, *, min_val: float, max_val: float) -> Tensor:
    # d hardtanh = [min_val < x < max_val] dx: bounds excluded (unlike clamp), as in PyTorch
    # (0 at NaN as its vectorized kernel; its scalar one, for tensors of a few elements, 1)
    return masked_grad(g, (x.array > min_val) & (x.array < max_val))


@_hardtanh.expose
def hardtanh(input: TensorLike, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the gradient is 1 strictly inside, else 0.

    The bounds themselves get gradient 0, as in PyTorch (where :func:`~autograd_np.clip`
    passes it), and the gradient is exactly 0 outside even when it arrives as inf or NaN.

    Parameters
    ----------
    input : Tensor
        Any shape; not bool (integer tensors stay integer).
    min_val, max_val : float
        The bounds (``min_val <= max_val``).
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return _hardtanh(as_tensor(input), min_val=float(min_val), max_val=float(max_val))


@composite(
    "nn.functional.relu6",
    spec=unary(low=-2.0, high=8.0, avoid=(0.0, 6.0)),
    ref=lambda x: np.clip(x, 0.0, 6.0),
)
def relu6(input: TensorLike) -> Tensor:
    """``min(max(x, 0), 6)``, elementwise: :func:`hardtanh` on ``[0, 6]`` (gradient 0 at 0
    and 6, as in PyTorch)."""
    return hardtanh(input, 0.0, 6.0)


# ---------------------------------------------------------------------- smooth activations
def _elu_spec(s: Sampler) -> Sample:
    x = s.array(s.shape(), low=-3.0, high=3.0, avoid=(0.0,))
    return Sample((x,), {"alpha": s.choice([1.0, 0.5, 2.0])})


def _elu_ref(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@primitive("nn.functional.elu", spec=_elu_spec, ref=_elu_ref, saves=(0,), saves_output=True)
def _elu(x: np.ndarray, *, alpha: float) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@_elu.defvjp
def _elu_vjp(g: Tensor, out: Tensor, x: Tensor, *, alpha: float) -> Tensor:
    # d elu = dx for x > 0, alpha e^x dx = (out + alpha) dx otherwise
    return multiply(g, where(x.array > 0, 1.0, add(out, alpha)))  # (NaN at NaN, as PyTorch)


@_elu.expose
def elu(input: TensorLike, alpha: float = 1.0) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Parameters
    ----------
    input : Tensor
        Any shape.
    alpha : float, default 1.0
        The negative saturation value is ``-alpha``.
    """
    return _elu(as_tensor(input), alpha=float(alpha))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


def _gelu_spec(s: Sampler) -> Sample:
    x = s.array(s.shape(), low=-4.0, high=4.0)
    return Sample((x,), {"approximate": s.choice(["none", "tanh"])})


# erf for float32 as a rational function of x on [-4, 4] (Eigen's and XLA's float32 erf;
# about 7e-8 absolute error in exact arithmetic, a few float32 ulps as computed): a dozen
# in-place passes instead of the float64-accurate Chebyshev series with its branches
_ERF32_P = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
            -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
            -1.60960333262415e-02)  # fmt: skip
_ERF32_Q = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
            -7.37332916720468e-03, -1.42647390514189e-02)  # fmt: skip


def _erf_float32(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array (a new array), accurate to a few float32 ulps."""
    xc = np.maximum(x, np.float32(-4.0), out=np.empty(np.shape(x), np.float32))
    np.minimum(xc, np.float32(4.0), out=xc)  # clipped to [-4, 4] (np.clip is slower)
    x2 = xc * xc
    p = x2 * np.float32(_ERF32_P[0])
    p += np.float32(_ERF32_P[1])
    for c in _ERF32_P[2:]:
        p *= x2
        p += np.float32(c)
    q = x2 * np.float32(_ERF32_Q[0])
    q += np.float32(_ERF32_Q[1])
    for c in _ERF32_Q[2:]:
        q *= x2
        q += np.float32(c)
    p *= xc
    p /= q
    return p


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, a new array in x's dtype."""
    e = _erf_float32(x * np.float32(_INV_SQRT_2)) if x.dtype == np.float32 else None
    if e is None:
        e = erf_numpy(x * _INV_SQRT_2)
    e += 1
    e *= 0.5
    return e


def _gelu_numpy(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "tanh":
        inner = (x + x * x * x * _GELU_CUBIC) * _SQRT_2_OVER_PI
        return x * 0.5 * (1 + np.tanh(inner))
    cdf = _normal_cdf(x)
    cdf *= x
    return cdf


def _gelu_ref(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "tanh":
        return _gelu_numpy(x, "tanh")
    return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


@primitive("nn.functional.gelu", spec=_gelu_spec, ref=_gelu_ref, saves=(0,), saves_output=True)
def _gelu(x: np.ndarray, *, approximate: str) -> np.ndarray:
    return _gelu_numpy(x, approximate)


@_gelu.defvjp
def _gelu_vjp(g: Tensor, out: Tensor, x: Tensor, *, approximate: str) -> Tensor:
    if not grad_mode.is_grad_enabled():  # no create_graph: the same formulas in numpy
        return Tensor.from_array(_gelu_grad_numpy(g.array, x.array, out.array, approximate))
    if approximate == "tanh":
        # u = sqrt(2/pi) (x + c x^3); d gelu = [(1 + tanh u)/2 + x/2 (1 - tanh^2 u) u'] dx
        x2 = square(x)
        t = tanh(multiply(add(x, multiply(multiply(x2, x), _GELU_CUBIC)), _SQRT_2_OVER_PI))
        du = multiply(add(multiply(x2, 3 * _GELU_CUBIC), 1.0), _SQRT_2_OVER_PI)
        d = add(
            multiply(add(t, 1.0), 0.5),
            multiply(multiply(x, 0.5), multiply(subtract(1.0, square(t)), du)),
        )
        return multiply(g, d)
    # d gelu = [Phi(x) + x phi(x)] dx, Phi(x) = (1 + erf(x/sqrt2))/2, phi(x) = e^(-x^2/2)/sqrt(2 pi)
    cdf = multiply(add(erf(multiply(x, _INV_SQRT_2)), 1.0), 0.5)
    pdf = multiply(exp(multiply(square(x), -0.5)), _INV_SQRT_2PI)
    return multiply(g, add(cdf, multiply(x, pdf)))


def _gelu_grad_numpy(g: np.ndarray, x: np.ndarray, out: np.ndarray, approximate: str) -> np.ndarray:
    """``g * gelu'(x)`` in numpy (see :func:`_gelu_vjp` for the formulas). The exact form
    reads Phi(x) back from the output, ``out / x`` (0.5 at x = 0), instead of evaluating
    erf again."""
    if approximate == "tanh":
        x2 = x * x
        t = np.tanh((x + x2 * x * _GELU_CUBIC) * _SQRT_2_OVER_PI)
        du = (x2 * (3 * _GELU_CUBIC) + 1.0) * _SQRT_2_OVER_PI
        d = (t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * du
        return (g * d).astype(g.dtype, copy=False)
    pdf = np.multiply(x, x, out=np.empty_like(x))  # an array, also for 0-d x
    pdf *= -0.5
    np.exp(pdf, out=pdf)
    pdf *= x
    pdf *= _INV_SQRT_2PI  # x phi(x)
    if np.isfinite(out).all():
        with np.errstate(invalid="ignore", divide="ignore"):
            cdf = np.divide(out, x, out=np.empty_like(pdf))
        cdf[x == 0] = 0.5
    else:
        cdf = _normal_cdf(x)
    pdf += cdf
    pdf *= g
    return pdf.astype(g.dtype, copy=False)


@_gelu.expose
def gelu(input: TensorLike, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit ``x * Phi(x)``, Phi the standard normal CDF.

    Parameters
    ----------
    input : Tensor
        Any shape.
    approximate : {'none', 'tanh'}, default 'none'
        ``'none'``: the exact form with ``erf``; ``'tanh'``:
        ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.gelu(ag.tensor([0.0, 1.0]))
    tensor([0.       , 0.8413447])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _gelu(as_tensor(input), approximate=approximate)


@primitive(
    "nn.functional.silu",
    spec=unary(low=-6.0, high=6.0),
    ref=lambda x: x / (1 + np.exp(-x)),
    saves=(0,),
)
def _silu(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: silu is -0 there
        return x / (1 + np.exp(-x))


@_silu.defvjp
def _silu_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    # d silu = s (1 + x (1 - s)) dx, s = sigmoid(x): one factor, as PyTorch's fused backward
    # (the product rule's two terms would give inf - inf = nan for an inf gradient at x = 0)
    s = sigmoid(x)
    return multiply(g, multiply(s, add(multiply(x, subtract(1.0, s)), 1.0)))


@_silu.expose
def silu(input: TensorLike) -> Tensor:
    """The sigmoid linear unit (swish) ``x * sigmoid(x)``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape.

    Returns
    -------
    Tensor
        Of the input's shape.
    """
    return _silu(as_tensor(input))


def _softplus_spec(s: Sampler) -> Sample:
    beta = s.choice([1.0, 2.0, 0.5])
    threshold = s.choice([20.0, 3.0])
    # keep beta * x away from the threshold, where softplus switches to the identity
    x = s.array(s.shape(), low=-4.0, high=4.0, avoid=(threshold / beta,), margin=0.1)
    return Sample((x,), {"beta": beta, "threshold": threshold})


def _softplus_numpy(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    bx = x * beta
    soft = np.logaddexp(0, bx) * (1 / beta)
    return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


@primitive("nn.functional.softplus", spec=_softplus_spec, ref=_softplus_numpy, saves=(0,))
def _softplus(x: np.ndarray, *, beta: float, threshold: float) -> np.ndarray:
    return _softplus_numpy(x, beta, threshold)


@_softplus.defvjp
def _softplus_vjp(g: Tensor, out: Tensor, x: Tensor, *, beta: float, threshold: float) -> Tensor:
    # d softplus = sigmoid(beta x) dx, and dx where beta x > threshold (the linear part)
    above = x.array * beta > threshold
    return multiply(g, where(above, 1.0, sigmoid(multiply(x, beta))))


@_softplus.expose
def softplus(input: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, reverting to ``x`` where ``beta x > threshold``.

    Computed without overflow for any input.

    Parameters
    ----------
    input : Tensor
        Any shape.
    beta : float, default 1.0
        Sharpness (must be non-zero).
    threshold : float, default 20.0
        Above ``beta * x > threshold`` the result is ``x`` itself, as in PyTorch.
    """
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return _softplus(as_tensor(input), beta=float(beta), threshold=float(threshold))
