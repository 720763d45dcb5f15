"""Sample specifications and references of the convolution ops, for the registry tests.

The references run the composed oracle of ``_composed`` (and, for the adjoints, the
engine's reverse mode through it), so the generic tests compare the fused primitives with
an independent implementation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.nn.functional import conv_options as co
from autograd_np.nn.functional._composed import conv2d_composed
from autograd_np.tensor import Tensor
from autograd_np.testing.registry import Sample, Sampler

Pair = co.Pair
IntOrPair = int | tuple[int, ...]


def _ref_conv(x: np.ndarray, w: np.ndarray, **options: Any) -> np.ndarray:
    """The composed oracle, evaluated on arrays."""
    return conv2d_composed(Tensor(x), Tensor(w), **options).array


def _geometry(s: Sampler) -> dict[str, Any]:
    """Random valid options and sizes of a small 2-D convolution."""
    groups = s.choice([1, 1, 2])
    kh, kw = s.integers(1, 3), s.integers(1, 3)
    stride = (s.integers(1, 2), s.integers(1, 2))
    dilation = (s.integers(1, 2), s.integers(1, 2))
    padding = (s.integers(0, 2), s.integers(0, 2), s.integers(0, 2), s.integers(0, 2))
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    h = s.integers(max(1, span_h - padding[0] - padding[1]), 5)
    w = s.integers(max(1, span_w - padding[2] - padding[3]), 5)
    n, cg, og = s.integers(1, 2), s.integers(1, 2), s.integers(1, 2)
    return {
        "n": n, "c": cg * groups, "o": og * groups, "cg": cg, "size": (h, w), "kernel": (kh, kw),
        "options": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
    }  # fmt: skip


def conv_sample(s: Sampler, dims: int) -> Sample:
    """A call of the public ``conv{dims}d``: padding an int, a tuple, 'same' or 'valid';
    sometimes a bias, sometimes an unbatched input."""
    groups = s.choice([1, 1, 2])
    kernel = tuple(s.integers(1, 3) for _ in range(dims))
    dilation = tuple(s.integers(1, 2) for _ in range(dims))
    kind = s.choice(["int", "tuple", "same", "valid"])
    stride = (1,) * dims if kind == "same" else tuple(s.integers(1, 2) for _ in range(dims))
    pads = (
        (s.integers(0, 2),) * dims
        if kind == "int"
        else tuple(s.integers(0, 2) for _ in range(dims))
    )
    if kind in ("same", "valid"):
        pads = (0,) * dims
    size = tuple(
        s.integers(max(1, d * (k - 1) + 1 - 2 * p), 5) for k, d, p in zip(kernel, dilation, pads)
    )
    n, cg, og = s.integers(1, 2), s.integers(1, 2), s.integers(1, 2)
    x = s.array((n, cg * groups, *size))
    w = s.array((og * groups, cg, *kernel))
    padding: Any = kind if kind in ("same", "valid") else pads[0] if kind == "int" else pads
    args: tuple[Any, ...] = (x, w)
    if s.boolean():
        args = (x, w, s.array((og * groups,)))
    elif s.boolean():
        args = (x[0], w)  # unbatched
    as_int = kind != "tuple" and s.boolean()  # ints instead of 1-tuples or pairs
    kwargs = {
        "stride": stride[0] if as_int and len(set(stride)) == 1 else stride,
        "padding": padding,
        "dilation": dilation[0] if as_int and len(set(dilation)) == 1 else dilation,
        "groups": groups,
    }
    return Sample(args, kwargs)


def conv2d_spec(s: Sampler) -> Sample:
    return conv_sample(s, 2)


def conv2d_ref(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    unbatched = x.ndim == 3
    xb = x[None] if unbatched else x
    opts = co.conv2d_options("conv2d", xb.shape, w.shape, stride, padding, dilation, groups)
    y = _ref_conv(xb, w, **opts)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y[0] if unbatched else y


def input_grad_spec(s: Sampler) -> Sample:
    geo = _geometry(s)
    oh, ow = co.conv2d_output_size(
        geo["size"], geo["kernel"], geo["options"]["stride"], geo["options"]["padding"],
        geo["options"]["dilation"],
    )  # fmt: skip
    g = s.array((geo["n"], geo["o"], oh, ow))
    w = s.array((geo["o"], geo["cg"], *geo["kernel"]))
    return Sample((g, w), dict(geo["options"], input_size=geo["size"]))


def input_grad_ref(g: np.ndarray, w: np.ndarray, *, input_size: Pair, **opts: Any) -> np.ndarray:
    from autograd_np.autograd import grad

    x = Tensor(np.zeros((g.shape[0], w.shape[1] * opts["groups"], *input_size)), requires_grad=True)
    (gx,) = grad(conv2d_composed(x, Tensor(w), **opts), x, grad_outputs=Tensor(g))
    assert gx is not None
    return gx.array


def weight_grad_spec(s: Sampler) -> Sample:
    geo = _geometry(s)
    oh, ow = co.conv2d_output_size(
        geo["size"], geo["kernel"], geo["options"]["stride"], geo["options"]["padding"],
        geo["options"]["dilation"],
    )  # fmt: skip
    x = s.array((geo["n"], geo["c"], *geo["size"]))
    g = s.array((geo["n"], geo["o"], oh, ow))
    return Sample((x, g), dict(geo["options"], kernel_size=geo["kernel"]))


def weight_grad_ref(x: np.ndarray, g: np.ndarray, *, kernel_size: Pair, **opts: Any) -> np.ndarray:
    from autograd_np.autograd import grad

    cg = x.shape[1] // opts["groups"]
    w = Tensor(np.zeros((g.shape[1], cg, *kernel_size)), requires_grad=True)
    (gw,) = grad(conv2d_composed(Tensor(x), w, **opts), w, grad_outputs=Tensor(g))
    assert gw is not None
    return gw.array


def conv1d_spec(s: Sampler) -> Sample:
    return conv_sample(s, 1)


def conv1d_ref(
    x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None, stride: int = 1,
    padding: int | str = 0, dilation: int = 1, groups: int = 1,
) -> np.ndarray:  # fmt: skip
    def one(v: Any) -> Any:
        return v[0] if isinstance(v, tuple) else v

    padding2: Any = padding if isinstance(padding, str) else (0, one(padding))
    y = conv2d_ref(
        x[..., None, :], w[..., None, :], bias, (1, one(stride)), padding2,
        (1, one(dilation)), groups,
    )  # fmt: skip
    return y[..., 0, :]


def transpose_sample(s: Sampler, dims: int) -> Sample:
    """A call of the public ``conv_transpose{dims}d``, with a non-empty output."""
    groups = s.choice([1, 1, 2])
    kernel = tuple(s.integers(1, 3) for _ in range(dims))
    stride = tuple(s.integers(1, 2) for _ in range(dims))
    dilation = tuple(s.integers(1, 2) for _ in range(dims))
    out_pad = tuple(s.integers(0, max(st, d) - 1) for st, d in zip(stride, dilation))
    size = tuple(s.integers(1, 3) for _ in range(dims))
    # the largest padding that leaves at least one output row: 2p <= (n-1)s + d(k-1) + q
    pads = tuple(
        s.integers(0, min(2, ((n - 1) * st + d * (k - 1) + q) // 2))
        for n, st, d, k, q in zip(size, stride, dilation, kernel, out_pad)
    )
    n, c_in_g, c_out_g = s.integers(1, 2), s.integers(1, 2), s.integers(1, 2)
    x = s.array((n, c_in_g * groups, *size))
    w = s.array((c_in_g * groups, c_out_g, *kernel))
    args: tuple[Any, ...] = (x, w)
    if s.boolean():
        args = (x, w, s.array((c_out_g * groups,)))
    elif s.boolean():
        args = (x[0], w)  # unbatched
    kwargs = {
        "stride": stride,
        "padding": pads,
        "output_padding": out_pad,
        "groups": groups,
        "dilation": dilation,
    }
    return Sample(args, kwargs)


def conv_transpose2d_spec(s: Sampler) -> Sample:
    return transpose_sample(s, 2)


def conv_transpose2d_ref(
    x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None, stride: IntOrPair = 1,
    padding: IntOrPair = 0, output_padding: IntOrPair = 0, groups: int = 1,
    dilation: IntOrPair = 1,
) -> np.ndarray:  # fmt: skip
    unbatched = x.ndim == 3
    xb = x[None] if unbatched else x
    size, opts = co.transpose_options(
        "conv_transpose2d", xb.shape, w.shape, stride, padding, output_padding, groups,
        dilation, 2,
    )  # fmt: skip
    y = input_grad_ref(xb, w, input_size=size, **opts)
    y = y if bias is None else y + bias.reshape(1, -1, 1, 1)
    return y[0] if unbatched else y


def conv_transpose1d_spec(s: Sampler) -> Sample:
    return transpose_sample(s, 1)


def conv_transpose1d_ref(
    x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None, stride: int = 1,
    padding: int = 0, output_padding: int = 0, groups: int = 1, dilation: int = 1,
) -> np.ndarray:  # fmt: skip
    def one(v: Any) -> Any:
        return v[0] if isinstance(v, tuple) else v

    y = conv_transpose2d_ref(
        x[..., None, :], w[..., None, :], bias, (1, one(stride)), (0, one(padding)),
        (0, one(output_padding)), groups, (1, one(dilation)),
    )  # fmt: skip
    return y[..., 0, :]
