"""Sample specifications and numpy references of the pooling ops, for the registry tests.

The references gather every window into a trailing axis with numpy's stride tricks and
reduce it (``np.max``, ``np.argmax``, ``np.sum``), independently of the fused kernels; the
scatter reference uses ``np.add.at``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_np.nn.functional import _pool_utils as pu
from autograd_np.testing.registry import Sample, Sampler

Pair = tuple[int, int]


# ---------------------------------------------------------------------- references
def windows(x: np.ndarray, fill: float, geometry: dict[str, Pair]) -> np.ndarray:
    """(N, C, OH, OW, KH * KW): the cells of every window of a ``fill``-padded input."""
    (kh, kw), (sh, sw) = geometry["kernel_size"], geometry["stride"]
    (ph, pw), (dh, dw) = geometry["padding"], geometry["dilation"]
    oh, ow = geometry["output_size"]
    n, c, h, w = x.shape
    eh = max((oh - 1) * sh + dh * (kh - 1) + 1, h + ph)
    ew = max((ow - 1) * sw + dw * (kw - 1) + 1, w + pw)
    xp = np.full((n, c, eh, ew), fill, dtype=x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    s = xp.strides
    view = as_strided(
        xp,
        shape=(n, c, oh, ow, kh, kw),
        strides=(s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw),
        writeable=False,
    )
    return view.reshape(n, c, oh, ow, kh * kw)


def _unbatch(fn: Any, x: np.ndarray, dims: int, *args: Any, **kwargs: Any) -> Any:
    """Run a reference on the batched 4-D form of a 1-D/unbatched input."""
    lead = x.ndim == dims + 1
    xb = x[None] if lead else x
    if dims == 1:
        xb = xb[:, :, None, :]
    result = fn(xb, *args, **kwargs)
    outs = result if isinstance(result, tuple) else (result,)
    if dims == 1:
        outs = tuple(o[:, :, 0, :] for o in outs)
    if lead:
        outs = tuple(o[0] for o in outs)
    return outs if isinstance(result, tuple) else outs[0]


def max_pool_ref(
    x: np.ndarray,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
    *,
    dims: int = 2,
) -> Any:
    def run(xb: np.ndarray) -> Any:
        geo = pu.pool_options("ref", xb.shape, *opts, dims=dims)
        cells = windows(xb, -np.inf, geo)
        out = cells.max(axis=-1)
        if not return_indices:
            return out
        arg = np.argmax(cells, axis=-1)  # the first maximum
        kernel, stride_, padding_, dilation_ = (
            geo["kernel_size"], geo["stride"], geo["padding"], geo["dilation"]
        )  # fmt: skip
        ki, kj = np.divmod(arg, kernel[1])
        rows = np.arange(out.shape[2]).reshape(-1, 1) * stride_[0] - padding_[0] + ki * dilation_[0]
        cols = np.arange(out.shape[3]).reshape(1, -1) * stride_[1] - padding_[1] + kj * dilation_[1]
        return out, rows * xb.shape[3] + cols

    opts = (kernel_size, stride, padding, dilation, ceil_mode)
    return _unbatch(run, x, dims)


def _avg_scale(
    size: tuple[int, ...],
    geometry: dict[str, Pair],
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    """1 / divisor of each window, (OH, OW): counted by summing ones over the windows."""
    if divisor_override is not None:
        return np.full(geometry["output_size"], 1.0 / divisor_override)
    (h, w), (ph, pw) = size, geometry["padding"]
    if count_include_pad:  # the cells of the padded input (not those past it)
        ones = np.ones((1, 1, h + 2 * ph, w + 2 * pw))
        counted = windows(ones, 0.0, dict(geometry, padding=(0, 0))).sum(axis=-1)
    else:
        counted = windows(np.ones((1, 1, h, w)), 0.0, geometry).sum(axis=-1)
    return 1.0 / counted[0, 0]


def avg_pool_ref(
    x: np.ndarray,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    dims: int = 2,
) -> np.ndarray:
    def run(xb: np.ndarray) -> np.ndarray:
        geo = pu.pool_options(
            "ref", xb.shape, kernel_size, stride, padding, 1, ceil_mode, dims=dims
        )
        scale = _avg_scale(xb.shape[2:], geo, count_include_pad, divisor_override)
        return windows(xb, 0.0, geo).sum(axis=-1) * scale

    return _unbatch(run, x, dims)


def max_pool1d_ref(x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
    return max_pool_ref(x, *args, **kwargs, dims=1)


def avg_pool1d_ref(x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
    return avg_pool_ref(x, *args, **kwargs, dims=1)


def adaptive_ref(x: np.ndarray, output_size: Any) -> np.ndarray:
    """Python loops over the output cells: PyTorch's start/end rule, averaged."""
    h, w = x.shape[-2:]
    size = output_size if isinstance(output_size, tuple) else (output_size, output_size)
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    out = np.zeros((*x.shape[:-2], oh, ow), dtype=x.dtype)
    for i in range(oh):
        r0, r1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].mean(axis=(-2, -1))
    return out


def adaptive_max_ref(x: np.ndarray, output_size: Any, return_indices: bool = False) -> Any:
    """Python loops over the output cells: PyTorch's windows, first maximum."""
    h, w = x.shape[-2:]
    size = output_size if isinstance(output_size, tuple) else (output_size, output_size)
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    lead = x.shape[:-2]
    out = np.zeros((*lead, oh, ow), dtype=x.dtype)
    idx = np.zeros((*lead, oh, ow), dtype=np.int64)
    for i in range(oh):
        r0, r1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            window = x[..., r0:r1, c0:c1].reshape(*lead, -1)
            k = np.argmax(window, axis=-1)
            out[..., i, j] = np.max(window, axis=-1)
            idx[..., i, j] = (r0 + k // (c1 - c0)) * w + c0 + k % (c1 - c0)
    return (out, idx) if return_indices else out


# ---------------------------------------------------------------------- specifications
def adaptive_max_spec(s: Sampler) -> Sample:
    sample = adaptive_spec(s)
    x = s.array(sample.args[0].shape, unique=True)
    return Sample((x,), dict(sample.kwargs, return_indices=s.boolean()))


def adaptive_spec(s: Sampler) -> Sample:
    h, w = s.integers(1, 6), s.integers(1, 6)
    shape = (s.integers(1, 2), s.integers(1, 2), h, w) if s.boolean() else (2, h, w)
    kind = s.choice(["int", "pair", "none"])
    size: Any = s.integers(1, 4)
    if kind == "pair":
        size = (s.integers(1, h + 1), s.integers(1, w + 1))
    elif kind == "none":
        size = (None, s.integers(1, 4))
    return Sample((s.array(shape),), {"output_size": size})


def _pool_sample(s: Sampler, dims: int, kind: str) -> Sample:
    """A call of the public ``{kind}_pool{dims}d`` with a non-empty output."""
    kernel = tuple(s.integers(1, 3) for _ in range(dims))
    dilation = tuple(s.integers(1, 2) for _ in range(dims)) if kind == "max" else (1,) * dims
    stride: Any = tuple(s.integers(1, 3) for _ in range(dims))
    pads = tuple(s.integers(0, k // 2) for k in kernel)
    # at least one input cell in every window, so no output is -inf
    size = tuple(
        s.integers(max(1, d * (k - 1) + 1 - p), 6) for k, d, p in zip(kernel, dilation, pads)
    )
    n, c = s.integers(1, 2), s.integers(1, 2)
    shape = (n, c, *size) if s.boolean() else (c, *size)
    x = s.array(shape, low=-2.0, high=2.0, unique=(kind == "max"))
    kwargs: dict[str, Any] = {
        "kernel_size": kernel[0] if len(set(kernel)) == 1 and s.boolean() else kernel,
        "stride": None if s.boolean() and kind == "max" else stride,
        "padding": pads,
        "ceil_mode": s.boolean(),
    }
    if kind == "max":
        kwargs["dilation"] = dilation
        kwargs["return_indices"] = s.boolean()
    else:
        kwargs["count_include_pad"] = s.boolean()
        if dims == 2 and s.boolean():
            kwargs["divisor_override"] = s.integers(1, 5)
    return Sample((x,), kwargs)


def max_pool2d_spec(s: Sampler) -> Sample:
    return _pool_sample(s, 2, "max")


def max_pool1d_spec(s: Sampler) -> Sample:
    return _pool_sample(s, 1, "max")


def avg_pool2d_spec(s: Sampler) -> Sample:
    return _pool_sample(s, 2, "avg")


def avg_pool1d_spec(s: Sampler) -> Sample:
    return _pool_sample(s, 1, "avg")


def _geometry(s: Sampler, dilated: bool) -> tuple[tuple[int, ...], dict[str, Pair]]:
    """A batched input shape and the normalised geometry of a valid 2-D pooling."""
    kernel = (s.integers(1, 3), s.integers(1, 3))
    stride = (s.integers(1, 3), s.integers(1, 3))
    dilation = (s.integers(1, 2), s.integers(1, 2)) if dilated else (1, 1)
    pads = tuple(s.integers(0, k // 2) for k in kernel)
    size = tuple(
        s.integers(max(1, d * (k - 1) + 1 - 2 * p), 5) for k, d, p in zip(kernel, dilation, pads)
    )
    shape = (s.integers(1, 2), s.integers(1, 2), *size)
    geo = pu.pool_options("spec", shape, kernel, stride, pads, dilation, s.boolean())
    return shape, geo


def scatter_spec(s: Sampler) -> Sample:
    shape, geo = _geometry(s, dilated=True)
    k = geo["kernel_size"][0] * geo["kernel_size"][1]
    arg = s.int_array((*shape[:2], *geo["output_size"]), 0, k - 1)
    g = s.array(arg.shape)
    opts = {key: geo[key] for key in ("kernel_size", "stride", "padding", "dilation")}
    return Sample((g,), dict(opts, indices=arg, input_size=shape[2:]))


def gather_spec(s: Sampler) -> Sample:
    shape, geo = _geometry(s, dilated=True)
    k = geo["kernel_size"][0] * geo["kernel_size"][1]
    arg = s.int_array((*shape[:2], *geo["output_size"]), 0, k - 1)
    opts = {key: geo[key] for key in ("kernel_size", "stride", "padding", "dilation")}
    return Sample((s.array(shape),), dict(opts, indices=arg))


def _cell_of(
    arg: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair
) -> tuple[np.ndarray, np.ndarray]:
    """The padded-input row and column each window's offset points at."""
    ki, kj = np.divmod(arg, kernel[1])
    rows = np.arange(arg.shape[2]).reshape(-1, 1) * stride[0] + ki * dilation[0]
    cols = np.arange(arg.shape[3]).reshape(1, -1) * stride[1] + kj * dilation[1]
    return rows, cols


def scatter_ref(
    g: np.ndarray,
    *,
    indices: np.ndarray,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    rows, cols = _cell_of(indices, kernel_size, stride, padding, dilation)
    (h, w), (ph, pw) = input_size, padding
    n, c = g.shape[:2]
    big = np.zeros((n, c, rows.max() + 1 + h + ph, cols.max() + 1 + w + pw), dtype=g.dtype)
    nn_, cc = np.indices((n, c)).reshape(2, n, c, 1, 1)
    np.add.at(big, (nn_, cc, rows, cols), g)
    return big[:, :, ph : ph + h, pw : pw + w]


def gather_ref(
    x: np.ndarray,
    *,
    indices: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    rows, cols = _cell_of(indices, kernel_size, stride, padding, dilation)
    n, c, h, w = x.shape
    (ph, pw) = padding
    big = np.zeros((n, c, rows.max() + 1 + h + ph, cols.max() + 1 + w + pw), dtype=x.dtype)
    big[:, :, ph : ph + h, pw : pw + w] = x
    nn_, cc = np.indices((n, c)).reshape(2, n, c, 1, 1)
    return big[nn_, cc, rows, cols]


def avg_input_grad_spec(s: Sampler) -> Sample:
    shape, geo = _geometry(s, dilated=False)
    g = s.array((*shape[:2], *geo["output_size"]))
    opts = {key: geo[key] for key in ("kernel_size", "stride", "padding")}
    divisor = s.integers(1, 5) if s.boolean() else None
    return Sample(
        (g,),
        dict(opts, input_size=shape[2:], count_include_pad=s.boolean(), divisor_override=divisor),
    )


def avg_input_grad_ref(
    g: np.ndarray,
    *,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    geo = {
        "kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": (1, 1),
        "output_size": (g.shape[2], g.shape[3]),
    }  # fmt: skip
    gs = g * _avg_scale(input_size, geo, count_include_pad, divisor_override)
    total = np.zeros((*g.shape[:2], *input_size), dtype=g.dtype)
    for k in range(kernel_size[0] * kernel_size[1]):
        arg = np.full(g.shape, k)
        total += scatter_ref(
            gs, indices=arg, input_size=input_size, kernel_size=kernel_size, stride=stride,
            padding=padding, dilation=(1, 1),
        )  # fmt: skip
    return total
