"""Per-channel kernels on (N, C, *) arrays in any memory layout: the broadcast of a (C,)
vector along axis 1 and the sums over every axis but 1.

numpy runs a broadcast op's inner loop over the fastest axis of memory. For channels-last
arrays (a convolution's output) that axis holds the C channels, so a per-channel op would
loop over C values at a time: here it runs on a (N*H, W*C) view with the vector tiled W
times instead (about twice as fast for C = 32, five times for C = 6), and the sums are a
GEMV with a vector of ones (instead of einsum's strided reduction).
"""

from __future__ import annotations

import numpy as np

from autograd_np import parallel

__all__ = ["channel_op", "channel_sum", "per_channel", "rows"]


def per_channel(ndim: int, c: int) -> tuple[int, ...]:
    """The broadcast shape of a per-channel vector: (1, C, 1, ...)."""
    return (1, c) + (1,) * (ndim - 2)


def rows(x: np.ndarray) -> np.ndarray | None:
    """(N, C, *) -> (M, C), a view, when channels are the fastest axis of ``x``'s memory
    (channels-last, or a plain (N, C) matrix); else None."""
    if x.ndim < 2:
        return None
    xt = np.moveaxis(x, 1, -1)  # (N, C, *) -> (N, *, C)
    return xt.reshape(-1, x.shape[1]) if xt.flags.c_contiguous else None


def channel_sum(*arrays: np.ndarray) -> np.ndarray:
    """The per-channel sum of the product of ``arrays`` (N, C, *) over every axis but 1, in
    their dtype (no temporary, no upcast): a GEMV with ones, or einsum."""
    views = [rows(a) for a in arrays]
    if len(views) == 1 and views[0] is not None:
        r = views[0]
        ones = np.ones(r.shape[0], dtype=r.dtype)
        return parallel.split_sum(lambda lo, hi: ones[lo:hi] @ r[lo:hi], len(r), nbytes=r.nbytes)
    ra, rb = [*views, None][:2]
    nbytes = sum(a.nbytes for a in arrays)
    if len(views) == 2 and ra is not None and rb is not None:
        # on (M / W, W * C) views, then the W partial sums of each channel added: einsum's
        # inner loop runs twice as fast over long rows; row ranges at the same time
        width = arrays[0].shape[-1] if arrays[0].ndim > 2 else 1
        c = arrays[0].shape[1]
        wa, wb = ra.reshape(-1, width * c), rb.reshape(-1, width * c)
        sums = parallel.split_sum(
            lambda lo, hi: np.einsum("ij,ij->j", wa[lo:hi], wb[lo:hi]), len(wa), nbytes=nbytes
        )
        return sums.reshape(width, c).sum(axis=0)
    idx = "nc" + "defghijk"[: arrays[0].ndim - 2]
    formula = ",".join([idx] * len(arrays)) + "->c"
    return parallel.split_sum(
        lambda lo, hi: np.einsum(formula, *[a[lo:hi] for a in arrays]),
        len(arrays[0]),
        nbytes=nbytes,
    )


def channel_op(ufunc: np.ufunc, a: np.ndarray, v: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = ufunc(a, v)`` with the (C,) vector ``v`` broadcast along axis 1 of ``a``
    (N, C, *). Returns ``out``."""
    ra, ro = rows(a), rows(out)
    if ra is not None and ro is not None:
        width = a.shape[-1] if a.ndim > 2 else 1
        c = a.shape[1]
        # (M, C) -> (M / W, W * C), with v repeated W times
        wide = ro.reshape(-1, width * c)
        parallel.elementwise(ufunc, ra.reshape(-1, width * c), np.tile(v, width), out=wide)
    else:
        parallel.elementwise(ufunc, a, v.reshape(per_channel(a.ndim, a.shape[1])), out=out)
    return out
