"""Agreement with PyTorch for the attention layers (a block of ``torch_agreement.py``):
F.scaled_dot_product_attention, nn.MultiheadAttention, the Transformer layers, nn.Embedding
and F.gelu, in float64, from the same weights (our state_dict loaded into PyTorch's module
with ``strict=True``, so the keys must match) and the same inputs. Each case compares the
outputs, a loss ``sum(out * R)`` and the gradients of every parameter and input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn as ag_nn
import autograd_np.nn.functional as ag_F

Case = tuple[str, Callable[[Any], tuple[float, float]]]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.nanmax(np.abs(a - b)) / max(np.nanmax(np.abs(b)), 1e-300)) if b.size else 0.0


def _module_case(
    make: Callable[[Any], Any], inputs: list[np.ndarray], call: Callable[..., Any]
) -> Callable[[Any], tuple[float, float]]:
    """``make(nn)`` builds the module in either library; ``call(module, *inputs, lib)``
    runs it and returns the output tensor."""

    def run(torch: Any) -> tuple[float, float]:
        ours = make(ag_nn).double()
        theirs = make(torch.nn).double()
        theirs.load_state_dict(
            {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()},
            strict=True,
        )
        ours.eval()
        theirs.eval()
        xs_o = [ag.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        xs_t = [torch.from_numpy(x.copy()).requires_grad_(x.dtype.kind == "f") for x in inputs]
        out_o = call(ours, *xs_o, lib="ours")
        out_t = call(theirs, *xs_t, lib="torch")
        r = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
        (out_o * ag.tensor(r)).sum().backward()
        (out_t * torch.from_numpy(r)).sum().backward()
        out_err = _rel(out_o.detach().numpy(), out_t.detach().numpy())
        grads = []
        for (k, p), (tk, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            if k != tk:
                raise RuntimeError(f"parameter order differs: {k!r} against PyTorch's {tk!r}")
            if tp.grad is not None:
                grads.append(_rel(p.grad.numpy(), tp.grad.numpy()))
        for a, b in zip(xs_o, xs_t):
            if b.grad is not None:
                grads.append(_rel(_grad(a), b.grad.numpy()))
        return out_err, max(grads, default=0.0)

    return run


def cases() -> list[Case]:
    rng = np.random.default_rng(0)
    e, h, n, lq, ls = 8, 2, 3, 5, 6

    def x(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape)

    bool_mask = rng.random((lq, ls)) < 0.3
    bool_mask[:, 0] = False
    kpm = np.zeros((n, ls), bool)
    kpm[0, -2:] = True
    causal = np.triu(np.full((lq, lq), -np.inf), 1)
    out: list[Case] = []

    def mha(lib_nn: Any, **kw: Any) -> Any:
        return lib_nn.MultiheadAttention(e, h, **kw)

    def mha_call(**kw: Any) -> Callable[..., Any]:
        def call(m: Any, q: Any, k: Any, v: Any, lib: str) -> Any:
            o, w = m(q, k, v, **{a: _mask(lib, b) for a, b in kw.items()})
            return o if w is None else _cat(lib, o, w)

        return call

    out.append(
        (
            "mha",
            _module_case(lambda nn: mha(nn), [x(lq, n, e), x(ls, n, e), x(ls, n, e)], mha_call()),
        )
    )
    out.append((
        "mha batch_first kpm mask",
        _module_case(
            lambda nn: mha(nn, batch_first=True),
            [x(n, lq, e), x(n, ls, e), x(n, ls, e)],
            mha_call(key_padding_mask=kpm, attn_mask=bool_mask, average_attn_weights=False),
        ),
    ))  # fmt: skip
    out.append((
        "mha kdim vdim no weights",
        _module_case(
            lambda nn: mha(nn, kdim=3, vdim=4),
            [x(lq, n, e), x(ls, n, 3), x(ls, n, 4)],
            mha_call(need_weights=False, key_padding_mask=kpm),
        ),
    ))  # fmt: skip
    out.append((
        "mha bias_kv zero_attn",
        _module_case(
            lambda nn: mha(nn, add_bias_kv=True, add_zero_attn=True),
            [x(lq, n, e), x(ls, n, e), x(ls, n, e)],
            mha_call(attn_mask=bool_mask, key_padding_mask=kpm),
        ),
    ))  # fmt: skip
    out.append((
        "mha no bias, unbatched, causal",
        _module_case(
            lambda nn: mha(nn, bias=False),
            [x(lq, e), x(lq, e), x(lq, e)],
            mha_call(attn_mask=causal, is_causal=True, need_weights=False),
        ),
    ))  # fmt: skip

    def enc_layer(nn: Any, **kw: Any) -> Any:
        return nn.TransformerEncoderLayer(e, h, 16, dropout=0.0, **kw)

    for name, kw in [
        ("encoder layer relu", {}),
        (
            "encoder layer gelu norm_first batch_first",
            {"activation": "gelu", "norm_first": True, "batch_first": True},
        ),
    ]:  # fmt: skip
        shape = (n, lq, e) if kw.get("batch_first") else (lq, n, e)
        out.append((
            name,
            _module_case(
                _partial(enc_layer, **kw),
                [x(*shape)],
                lambda m, s, lib: m(
                    s,
                    src_mask=_mask(lib, causal),
                    src_key_padding_mask=_mask(lib, kpm[:, :lq]),
                    is_causal=True,
                ),
            ),
        ))  # fmt: skip
    out.append((
        "encoder stack + norm",
        _module_case(
            lambda nn: nn.TransformerEncoder(enc_layer(nn), 2, nn.LayerNorm(e)),
            [x(lq, n, e)],
            lambda m, s, lib: m(s, mask=_mask(lib, causal)),
        ),
    ))  # fmt: skip
    out.append((
        "decoder layer norm_first",
        _module_case(
            lambda nn: nn.TransformerDecoderLayer(e, h, 16, dropout=0.0, norm_first=True),
            [x(lq, n, e), x(ls, n, e)],
            lambda m, t, mem, lib: m(
                t, mem, tgt_mask=_mask(lib, causal), memory_key_padding_mask=_mask(lib, kpm),
                tgt_is_causal=True,
            ),
        ),
    ))  # fmt: skip
    out.append((
        "transformer",
        _module_case(
            lambda nn: nn.Transformer(e, h, 2, 2, 16, dropout=0.0, batch_first=True),
            [x(n, ls, e), x(n, lq, e)],
            lambda m, s, t, lib: m(
                s, t, tgt_mask=_mask(lib, causal), src_key_padding_mask=_mask(lib, kpm),
                memory_key_padding_mask=_mask(lib, kpm),
            ),
        ),
    ))  # fmt: skip
    out.append((
        "embedding max_norm",
        _module_case(
            lambda nn: nn.Embedding(7, 4, max_norm=1.2),
            [rng.integers(0, 7, (3, 5))],
            lambda m, i, lib: m(_mask(lib, i.numpy()) if lib == "torch" else i),
        ),
    ))  # fmt: skip
    out.append((
        "embedding padding_idx",
        _module_case(
            lambda nn: nn.Embedding(7, 4, padding_idx=2),
            [rng.integers(0, 7, (3, 5))],
            lambda m, i, lib: m(_mask(lib, i.numpy()) if lib == 'torch' else i),
        ),
    ))  # fmt: skip

    def sdpa_case(**kw: Any) -> Callable[[Any], tuple[float, float]]:
        q, k, v = x(2, 2, lq, 4), x(2, 2, ls, 4), x(2, 2, ls, 3)

        def run(torch: Any) -> tuple[float, float]:
            tk = {
                a: (torch.from_numpy(b) if isinstance(b, np.ndarray) else b) for a, b in kw.items()
            }
            ours = [ag.tensor(a, requires_grad=True) for a in (q, k, v)]
            theirs = [torch.from_numpy(a.copy()).requires_grad_(True) for a in (q, k, v)]
            o = ag_F.scaled_dot_product_attention(*ours, **kw)
            t = torch.nn.functional.scaled_dot_product_attention(*theirs, **tk)
            r = np.random.default_rng(2).standard_normal(tuple(t.shape))
            (o * ag.tensor(r)).sum().backward()
            (t * torch.from_numpy(r)).sum().backward()
            g = max(_rel(_grad(a), b.grad.numpy()) for a, b in zip(ours, theirs))
            return _rel(o.detach().numpy(), t.detach().numpy()), g

        return run

    out.append(("sdpa bool mask", sdpa_case(attn_mask=~bool_mask)))
    out.append(("sdpa float mask, scale", sdpa_case(attn_mask=x(lq, ls), scale=0.3)))
    out.append(("sdpa causal", sdpa_case(is_causal=True)))

    def gelu_case(approximate: str) -> Callable[[Any], tuple[float, float]]:
        def run(torch: Any) -> tuple[float, float]:
            a = x(50) * 3
            o = ag.tensor(a, requires_grad=True)
            t = torch.from_numpy(a.copy()).requires_grad_(True)
            yo = ag_F.gelu(o, approximate=approximate)
            yt = torch.nn.functional.gelu(t, approximate=approximate)
            yo.sum().backward()
            yt.sum().backward()
            return _rel(yo.detach().numpy(), yt.detach().numpy()), _rel(_grad(o), t.grad.numpy())

        return run

    out.append(("gelu tanh", gelu_case("tanh")))
    out.append(("gelu exact", gelu_case("none")))
    return out


def _grad(t: ag.Tensor) -> np.ndarray:
    assert t.grad is not None, "no gradient reached this tensor"
    return t.grad.numpy()


def _partial(fn: Callable[..., Any], **kw: Any) -> Callable[[Any], Any]:
    return lambda lib_nn: fn(lib_nn, **kw)


def _mask(lib: str, a: Any) -> Any:
    """A numpy mask as the library's tensor (ours takes arrays as they are)."""
    if lib == "torch" and isinstance(a, np.ndarray):
        import torch

        return torch.from_numpy(a.copy())
    return a


def _cat(lib: str, o: Any, w: Any) -> Any:
    """The output and the attention weights as one flat tensor (both get gradients)."""
    if lib == "ours":
        from autograd_np.ops.joining import concatenate

        return concatenate([o.reshape(-1), w.reshape(-1)])
    import torch

    return torch.cat([o.reshape(-1), w.reshape(-1)])


def run_all(torch: Any, tol: float) -> float:
    """Print one line per case; return the worst error."""
    print(f"{'attention layers':42} {'output rel err':>15} {'grad rel err':>13}")
    worst = 0.0
    for name, case in cases():
        o, g = case(torch)
        worst = max(worst, o, g)
        flag = "" if max(o, g) <= tol else "  <-- exceeds tolerance"
        print(f"{name:42} {o:15.2e} {g:13.2e}{flag}")
    return worst
