"""Scaled dot-product attention as one fused primitive (PyTorch's
``F.scaled_dot_product_attention``).

The public function computes the attention probabilities ``P = softmax(q k^T * scale +
mask)`` in one numpy pass (in place, float32 stays float32) and draws the dropout mask; the
primitive's forward is then ``(P * keep) @ v``. Its node keeps ``P`` (and the dropout mask
when there is one): the only (L x S) arrays the VJP needs. Without ``create_graph`` the VJP
is the closed form in numpy

    gv = A^T g,  gA = g v^T,  gS = P * (gA keep - rowsum(gA keep * P)),  gq = gS k s,
    gk = gS^T q s          (A = P * keep, s = scale)

and with ``create_graph=True`` it is the same formula in differentiable ops with ``P``
recomputed inside the graph from ``q`` and ``k``, so second derivatives see its dependence
on them (as batch norm does).

As in PyTorch 2.5 and later, a query row whose keys are all masked out attends to nothing:
its output and gradients are zero (not NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np import parallel
from autograd_np.autograd import grad_mode, primitive
from autograd_np.creation import as_generator
from autograd_np.nn.functional.activation import softmax
from autograd_np.ops.arithmetic import add, multiply, subtract
from autograd_np.ops.linalg import matmul
from autograd_np.ops.reduction import sum as _sum
from autograd_np.ops.shape import reshape, swapaxes
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["scaled_dot_product_attention"]

GeneratorLike = np.random.Generator | int | None


# ---------------------------------------------------------------------- masks
def _prepare_mask(
    op: str,
    attn_mask: Any,
    is_causal: bool,
    lq: int,
    ls: int,
    dtype: np.dtype[Any],
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The additive float mask (0 / -inf for a boolean mask) with fully masked rows set to
    0, and the {0, 1} factor of shape (..., L, 1) that zeroes those rows (None when no row is
    fully masked)."""
    if is_causal:
        if attn_mask is not None:
            raise ValueError(
                f"{op}: pass either attn_mask or is_causal=True, not both (is_causal builds "
                "its own lower-triangular mask)"
            )
        attn_mask = np.tril(np.ones((lq, ls), dtype=bool))
    if attn_mask is None:
        return None, None
    m = attn_mask.array if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if m.ndim < 2 or m.shape[-2] not in (1, lq) or m.shape[-1] not in (1, ls):
        raise ValueError(
            f"{op}: attn_mask of shape {m.shape} does not broadcast to the attention weights' "
            f"(..., L, S) = (..., {lq}, {ls})"
        )
    if m.dtype == np.bool_:
        dead = ~m.any(axis=-1, keepdims=True)
        additive = np.where(m, 0.0, -np.inf).astype(dtype)
    elif m.dtype.kind == "f":
        additive = m.astype(dtype)
        dead = np.isneginf(additive).all(axis=-1, keepdims=True)
    else:
        raise TypeError(f"{op}: attn_mask must be boolean or floating point, got {m.dtype}")
    if not dead.any():
        return additive, None
    additive = np.where(dead, 0.0, additive).astype(dtype)
    return additive, (~dead).astype(dtype)


def _probs_numpy(
    q: np.ndarray, k: np.ndarray, scale: float, mask: np.ndarray | None, alive: np.ndarray | None
) -> np.ndarray:
    """``softmax(q k^T scale + mask)`` over the last axis, rows of ``alive == 0`` zeroed."""
    s = parallel.matmul(q, np.swapaxes(k, -1, -2))  # (..., L, E) @ (..., E, S) -> (..., L, S)
    s *= s.dtype.type(scale)
    if mask is not None:
        if np.broadcast_shapes(s.shape, mask.shape) == s.shape:
            s += mask
        else:
            s = s + mask
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    if alive is not None:
        s *= alive
    return s


# ---------------------------------------------------------------------- the primitive
def _sdpa_spec(s: Sampler) -> Sample:
    batch = s.shape(min_dims=0, max_dims=2, max_side=2)
    lq, ls, e, ev = s.integers(1, 3), s.integers(1, 3), s.integers(1, 3), s.integers(1, 3)
    q, k, v = s.array((*batch, lq, e)), s.array((*batch, ls, e)), s.array((*batch, ls, ev))
    kwargs: dict[str, Any] = {}
    kind = s.choice(["none", "bool", "float", "causal"])
    if kind == "bool":
        kwargs["attn_mask"] = s.int_array((lq, ls), 0, 1).astype(bool)
    elif kind == "float":
        kwargs["attn_mask"] = s.array((lq, ls), low=-1.0, high=1.0)
    elif kind == "causal":
        kwargs["is_causal"] = True
    if s.boolean():
        kwargs["scale"] = s.choice([0.5, 1.3])
    if s.boolean():
        kwargs["dropout_p"] = s.choice([0.3, 0.6])
        kwargs["generator"] = s.integers(0, 2**16)
    return Sample((q, k, v), kwargs)


def _sdpa_ref(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    generator: GeneratorLike = None,
) -> np.ndarray:
    lq, ls = q.shape[-2], k.shape[-2]
    sc = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    w = (q @ np.swapaxes(k, -1, -2)) * sc
    if is_causal:
        attn_mask = np.tril(np.ones((lq, ls), dtype=bool))
    if attn_mask is not None:
        w = np.where(attn_mask, w, -np.inf) if attn_mask.dtype == bool else w + attn_mask
    with np.errstate(invalid="ignore"):
        p = np.exp(w - w.max(-1, keepdims=True))
        p = p / p.sum(-1, keepdims=True)
    p = np.nan_to_num(p, nan=0.0)  # fully masked rows attend to nothing
    if dropout_p > 0:
        keep = as_generator(generator).random(p.shape, dtype=np.float32) >= dropout_p
        p = p * keep / (1 - dropout_p)
    return p @ v


@primitive(
    "nn.functional.scaled_dot_product_attention",
    spec=_sdpa_spec,
    ref=_sdpa_ref,
    saves=(0, 1, 2),
)
def _sdpa(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    probs: np.ndarray,
    keep: np.ndarray | None,
    scale: float,
    mask: np.ndarray | None,
    alive: np.ndarray | None,
) -> np.ndarray:
    """``(probs * keep) @ v``, with ``probs = softmax(q k^T scale + mask) * alive`` computed
    by the caller from ``q`` and ``k`` (see the module docstring)."""
    a = probs if keep is None else probs * keep
    return parallel.matmul(a, v)  # (..., L, S) @ (..., S, Ev) -> (..., L, Ev)


@_sdpa.defvjp
def _sdpa_vjp(
    g: Tensor,
    out: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
    *,
    probs: np.ndarray,
    keep: np.ndarray | None,
    scale: float,
    mask: np.ndarray | None,
    alive: np.ndarray | None,
) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    # gv = A^T g; gS = P * (gA - rowsum(gA * P)), gA = (g v^T) keep; gq = gS k s; gk = gS^T q s
    need_qk = q.requires_grad or k.requires_grad
    if grad_mode.is_grad_enabled():
        # create_graph: P recomputed from q and k inside the graph
        sc = multiply(matmul(q, swapaxes(k, -1, -2)), scale)
        if mask is not None:
            sc = add(sc, Tensor.from_array(mask))
        p = softmax(sc, -1)
        if alive is not None:
            p = multiply(p, Tensor.from_array(alive))
        keep_t = None if keep is None else Tensor.from_array(keep)
        a = p if keep_t is None else multiply(p, keep_t)
        gv = matmul(swapaxes(a, -1, -2), g) if v.requires_grad else None
        if not need_qk:
            return None, None, gv
        ga = matmul(g, swapaxes(v, -1, -2))
        if keep_t is not None:
            ga = multiply(ga, keep_t)
        gs = multiply(p, subtract(ga, _sum(multiply(ga, p), -1, keepdims=True)))
        gq = multiply(matmul(gs, k), scale) if q.requires_grad else None
        gk = multiply(matmul(swapaxes(gs, -1, -2), q), scale) if k.requires_grad else None
        return gq, gk, gv
    gn = g.array
    gv_a = None
    if v.requires_grad:
        a_n = probs if keep is None else probs * keep
        gv_a = parallel.matmul(np.swapaxes(a_n, -1, -2), gn)
    if not need_qk:
        return None, None, None if gv_a is None else Tensor.from_array(gv_a)
    ga_n = parallel.matmul(gn, np.swapaxes(v.array, -1, -2))  # (..., L, Ev) @ (..., Ev, S)
    if keep is not None:
        ga_n *= keep
    row = np.einsum("...ij,...ij->...i", ga_n, probs)[..., None]
    ga_n -= row
    ga_n *= probs  # now gS, the gradient of the scaled scores
    ga_n *= ga_n.dtype.type(scale)
    gq_a = np.matmul(ga_n, k.array) if q.requires_grad else None
    gk_a = np.matmul(np.swapaxes(ga_n, -1, -2), q.array) if k.requires_grad else None
    return (
        None if gq_a is None else Tensor.from_array(gq_a),
        None if gk_a is None else Tensor.from_array(gk_a),
        None if gv_a is None else Tensor.from_array(gv_a),
    )


@_sdpa.expose
def scaled_dot_product_attention(
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    generator: GeneratorLike = None,
) -> Tensor:
    """Attention of queries over keys: ``softmax(q k^T * scale + mask) @ v``.

    Parameters
    ----------
    query : Tensor
        ``(..., L, E)``.
    key : Tensor
        ``(..., S, E)``.
    value : Tensor
        ``(..., S, Ev)``.
    attn_mask : Tensor or array, optional
        Broadcastable to ``(..., L, S)``. Boolean: True marks the keys a query may attend
        to. Floating point: added to the scaled scores (a constant: it gets no gradient).
    dropout_p : float, default 0.0
        Dropout probability on the attention weights (kept ones scaled by ``1/(1-p)``).
    is_causal : bool, default False
        Use the lower-triangular mask ``tril(ones(L, S))`` (top-left aligned); not together
        with ``attn_mask``.
    scale : float, optional
        Default ``1 / sqrt(E)``.
    enable_gqa : bool, default False
        Grouped-query attention: ``query`` has ``Hq`` heads on axis -3 and ``key``/``value``
        ``Hkv``, ``Hq`` a multiple of ``Hkv``; each key head serves ``Hq / Hkv`` query heads.
    generator : np.random.Generator or int, optional (keyword-only)
        Where the dropout mask comes from (a fresh unseeded Generator when None).

    Returns
    -------
    Tensor
        ``(..., L, Ev)``. A query whose keys are all masked out gets zeros.

    Shapes
    ------
    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev)

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> q = k = v = ag.ones((2, 4, 5, 8))
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    (2, 4, 5, 8)
    """
    op = "scaled_dot_product_attention"
    q, k, v = (x if isinstance(x, Tensor) else Tensor(x) for x in (query, key, value))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(
            f"{op}: query, key and value need at least 2 dimensions (..., L, E), got shapes "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"{op}: expected query (..., L, E), key (..., S, E), value (..., S, Ev); got "
            f"shapes {q.shape}, {k.shape}, {v.shape}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    lq, ls = q.shape[-2], k.shape[-2]
    sc = 1.0 / float(np.sqrt(q.shape[-1])) if scale is None else float(scale)
    mask, alive = _prepare_mask(op, attn_mask, is_causal, lq, ls, q.dtype)
    out_shape = None
    if enable_gqa and q.ndim >= 3 and q.shape[-3] != k.shape[-3]:
        hq, hkv = q.shape[-3], k.shape[-3]
        if hq % hkv or v.shape[-3] != hkv:
            raise ValueError(
                f"{op}: with enable_gqa the query heads ({hq}) must be a multiple of the key "
                f"and value heads ({hkv}, {v.shape[-3]})"
            )
        lead = q.shape[:-3]
        # (..., Hq, L, E) -> (..., Hkv, G, L, E); keys (..., Hkv, S, E) -> (..., Hkv, 1, S, E)
        q = reshape(q, (*lead, hkv, hq // hkv, lq, q.shape[-1]))
        k = reshape(k, (*k.shape[:-3], hkv, 1, ls, k.shape[-1]))
        v = reshape(v, (*v.shape[:-3], hkv, 1, ls, v.shape[-1]))
        full = (*lead, hq, lq, ls)
        if mask is not None:
            mask = np.broadcast_to(mask, full).reshape(*lead, hkv, hq // hkv, lq, ls)
        if alive is not None:
            alive = np.broadcast_to(alive, (*lead, hq, lq, 1)).reshape(*lead, hkv, hq // hkv, lq, 1)
        out_shape = (*lead, hq, lq, v.shape[-1])
    probs = _probs_numpy(q.array, k.array, sc, mask, alive)
    keep = None
    if dropout_p > 0.0:
        if dropout_p == 1.0:
            keep = np.zeros(probs.shape, dtype=probs.dtype)
        else:
            draw = as_generator(generator).random(probs.shape, dtype=np.float32) >= dropout_p
            keep = np.multiply(draw, 1.0 / (1.0 - dropout_p), dtype=probs.dtype)
    out = _sdpa(q, k, v, probs=probs, keep=keep, scale=sc, mask=mask, alive=alive)
    return out if out_shape is None else reshape(out, out_shape)


# ---------------------------------------------------------------------- multi-head attention
def _float_mask(op: str, name: str, mask: Any, dtype: np.dtype[Any]) -> np.ndarray | None:
    """PyTorch's canonical mask: a boolean mask (True = not allowed) becomes 0 / -inf; a
    float mask is taken as is (in ``dtype``)."""
    if mask is None:
        return None
    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m, -np.inf, 0.0).astype(dtype)
    if m.dtype.kind != "f":
        raise TypeError(
            f"{op}: only bool and floating types of {name} are supported, got {m.dtype}"
        )
    return m.astype(dtype, copy=False)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    num_heads: int,
    q_weight: Tensor,
    k_weight: Tensor,
    v_weight: Tensor,
    in_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_weight: Tensor,
    out_bias: Tensor | None,
    *,
    training: bool,
    key_padding_mask: Any,
    need_weights: bool,
    attn_mask: Any,
    average_attn_weights: bool,
    is_causal: bool,
    generator: GeneratorLike,
) -> tuple[Tensor, Tensor | None]:
    """The math of ``nn.MultiheadAttention`` on sequence-first inputs, as PyTorch's
    ``F.multi_head_attention_forward``.

    Shapes
    ------
    query (L, N, E) or (L, E); key (S, N, kdim); value (S, N, vdim) -> output (L, N, E),
    weights (N, L, S) averaged over heads, or (N, H, L, S); the batch axis is absent for
    unbatched input.
    """
    from autograd_np.nn.functional.dropout import dropout
    from autograd_np.nn.functional.linear import linear
    from autograd_np.ops.joining import concatenate
    from autograd_np.ops.reduction import mean

    op = "MultiheadAttention"
    batched = query.ndim == 3
    if not batched:  # (L, E) -> (L, 1, E)
        query, key, value = (reshape(t, (t.shape[0], 1, t.shape[1])) for t in (query, key, value))
        if key_padding_mask is not None:
            kpm = (
                key_padding_mask.array
                if isinstance(key_padding_mask, Tensor)
                else np.asarray(key_padding_mask)
            )
            key_padding_mask = kpm[None]
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if key.shape[:2] != value.shape[:2] or key.shape[1] != bsz:
        raise ValueError(
            f"{op}: key {key.shape} and value {value.shape} must share (S, N) with the query's "
            f"batch N={bsz}"
        )
    head_dim = embed_dim // num_heads
    if is_causal and attn_mask is None:
        raise RuntimeError(
            f"{op}: is_causal is a hint that attn_mask is the causal mask; pass attn_mask "
            "as well (e.g. nn.Transformer.generate_square_subsequent_mask)"
        )
    dt = query.dtype
    mask = _float_mask(op, "attn_mask", attn_mask, dt)
    kpm_f = _float_mask(op, "key_padding_mask", key_padding_mask, dt)
    if mask is not None:
        if mask.ndim == 2:
            if mask.shape != (tgt_len, src_len):
                raise ValueError(
                    f"{op}: the shape of the 2D attn_mask is {mask.shape}, but should be "
                    f"{(tgt_len, src_len)}"
                )
            mask = mask[None]
        elif mask.ndim == 3:
            if mask.shape != (bsz * num_heads, tgt_len, src_len):
                raise ValueError(
                    f"{op}: the shape of the 3D attn_mask is {mask.shape}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}"
                )
        else:
            raise ValueError(f"{op}: attn_mask must be 2-D or 3-D, got {mask.ndim}-D")
    if kpm_f is not None and kpm_f.shape != (bsz, src_len):
        raise ValueError(
            f"{op}: expected key_padding_mask of shape {(bsz, src_len)}, got {kpm_f.shape}"
        )
    # input projections: (L, N, E) -> (L, N, E)
    bq = bk = bv = None
    if in_bias is not None:
        bq, bk, bv = (
            in_bias[:embed_dim],
            in_bias[embed_dim : 2 * embed_dim],
            in_bias[2 * embed_dim :],
        )
    q = linear(query, q_weight, bq)
    k = linear(key, k_weight, bk)
    v = linear(value, v_weight, bv)
    if bias_k is not None and bias_v is not None:
        # one more key and value, shared by the batch: (S, N, E) -> (S + 1, N, E)
        k = concatenate([k, bias_k.expand(1, bsz, embed_dim)], 0)
        v = concatenate([v, bias_v.expand(1, bsz, embed_dim)], 0)
        if mask is not None:
            mask = np.pad(mask, ((0, 0), (0, 0), (0, 1)))
        if kpm_f is not None:
            kpm_f = np.pad(kpm_f, ((0, 0), (0, 1)))
    # heads: (L, N, E) -> (L, N*H, D) -> (N*H, L, D)
    q = swapaxes(reshape(q, (tgt_len, bsz * num_heads, head_dim)), 0, 1)
    k = swapaxes(reshape(k, (k.shape[0], bsz * num_heads, head_dim)), 0, 1)
    v = swapaxes(reshape(v, (v.shape[0], bsz * num_heads, head_dim)), 0, 1)
    if add_zero_attn:  # a zero key and value: (N*H, S, D) -> (N*H, S + 1, D)
        zeros = Tensor.from_array(np.zeros((bsz * num_heads, 1, head_dim), dtype=dt))
        k = concatenate([k, zeros], 1)
        v = concatenate([v, zeros], 1)
        if mask is not None:
            mask = np.pad(mask, ((0, 0), (0, 0), (0, 1)))
        if kpm_f is not None:
            kpm_f = np.pad(kpm_f, ((0, 0), (0, 1)))
    s = k.shape[1]
    if kpm_f is not None:
        # (N, S) -> (N*H, 1, S), added to the attention mask
        kpm_full = np.broadcast_to(kpm_f[:, None, None, :], (bsz, num_heads, 1, s))
        kpm_full = kpm_full.reshape(bsz * num_heads, 1, s)
        mask = kpm_full if mask is None else mask + kpm_full
    p = dropout_p if training else 0.0
    weights = None
    if need_weights:
        # explicit weights (a fully masked row is NaN here, as in PyTorch)
        scores = matmul(multiply(q, 1.0 / float(np.sqrt(head_dim))), swapaxes(k, -1, -2))
        if mask is not None:
            scores = add(scores, Tensor.from_array(mask))
        with np.errstate(invalid="ignore"):  # a fully masked row is NaN, silently
            attn = softmax(scores, -1)  # (N*H, L, S)
        dropped = dropout(attn, p, True, generator=generator) if p > 0 else attn
        out = matmul(dropped, v)  # (N*H, L, D)
        weights = reshape(attn, (bsz, num_heads, tgt_len, s))
        if average_attn_weights:
            weights = mean(weights, 1)
        if not batched:
            weights = reshape(weights, weights.shape[1:])
    else:
        if mask is not None and mask.shape[0] == 1:
            mask4 = mask[None]  # (1, 1, L, S)
        elif mask is not None:
            mask4 = mask.reshape(bsz, num_heads, -1, s)
        else:
            mask4 = None
        q4 = reshape(q, (bsz, num_heads, tgt_len, head_dim))
        k4 = reshape(k, (bsz, num_heads, s, head_dim))
        v4 = reshape(v, (bsz, num_heads, s, head_dim))
        out = scaled_dot_product_attention(q4, k4, v4, mask4, p, generator=generator)
        out = reshape(out, (bsz * num_heads, tgt_len, head_dim))
    # (N*H, L, D) -> (L, N*H, D) -> (L, N, E)
    out = reshape(swapaxes(out, 0, 1), (tgt_len, bsz, embed_dim))
    out = linear(out, out_weight, out_bias)
    if not batched:
        out = reshape(out, (tgt_len, embed_dim))
    return out, weights
