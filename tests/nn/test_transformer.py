"""nn.MultiheadAttention and the Transformer layers: hand-derived values, masks, shapes,
PyTorch's state_dict keys, causality, and gradients (first and second order)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn
from autograd_np.testing import gradcheck, gradgradcheck


def _softmax(s):
    p = np.exp(s - s.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def _identity_mha(e, h, **kw):
    m = nn.MultiheadAttention(e, h, dtype=np.float64, **kw)
    with ag.no_grad():
        m.in_proj_weight.copy_(ag.tensor(np.concatenate([np.eye(e)] * 3)))
        m.in_proj_bias.zero_()
        m.out_proj.weight.copy_(ag.tensor(np.eye(e)))
        m.out_proj.bias.zero_()
    return m


def test_mha_with_identity_projections_is_softmax_attention():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 6))  # (L, N, E)
    m = _identity_mha(6, 2)
    out, w = m(ag.tensor(x), ag.tensor(x), ag.tensor(x), average_attn_weights=False)
    xb = x.transpose(1, 0, 2).reshape(2, 4, 2, 3).transpose(0, 2, 1, 3)  # (N, H, L, D)
    p = _softmax(xb @ xb.transpose(0, 1, 3, 2) / np.sqrt(3))
    ref = (p @ xb).transpose(2, 0, 1, 3).reshape(4, 2, 6)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(w.detach().numpy(), p, rtol=1e-12)
    _, avg = m(ag.tensor(x), ag.tensor(x), ag.tensor(x))
    np.testing.assert_allclose(avg.detach().numpy(), p.mean(1), rtol=1e-12)


def test_mha_masks_true_means_not_allowed():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 1, 4))
    m = _identity_mha(4, 1)
    kpm = np.array([[False, True, False]])
    _, w = m(ag.tensor(x), ag.tensor(x), ag.tensor(x), key_padding_mask=kpm)
    assert np.all(w.detach().numpy()[..., 1] == 0)
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=np.float64)
    _, wc = m(ag.tensor(x), ag.tensor(x), ag.tensor(x), attn_mask=causal)
    np.testing.assert_array_equal(np.triu(wc.detach().numpy()[0], 1), 0.0)
    bool_causal = np.triu(np.ones((3, 3), bool), 1)
    _, wb = m(ag.tensor(x), ag.tensor(x), ag.tensor(x), attn_mask=bool_causal)
    np.testing.assert_allclose(wb.detach().numpy(), wc.detach().numpy())
    # a fully padded batch entry: NaN weights with need_weights (as PyTorch), zeros without
    all_pad = np.ones((1, 3), bool)
    o1, w1 = m(ag.tensor(x), ag.tensor(x), ag.tensor(x), key_padding_mask=all_pad)
    assert np.isnan(w1.detach().numpy()).all() and np.isnan(o1.detach().numpy()).all()
    o2, w2 = m(
        ag.tensor(x), ag.tensor(x), ag.tensor(x), key_padding_mask=all_pad, need_weights=False
    )
    assert w2 is None
    np.testing.assert_array_equal(o2.detach().numpy(), 0.0)


def test_mha_zero_attn_and_bias_kv_add_one_key_each():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 4))
    m = _identity_mha(4, 1, add_zero_attn=True)
    _, w = m(ag.tensor(x), ag.tensor(x), ag.tensor(x))
    assert w.shape == (2, 3, 4)
    scores = np.einsum("lne,sne->nls", x, x) / 2.0
    p = _softmax(np.concatenate([scores, np.zeros((2, 3, 1))], -1))  # the zero key scores 0
    np.testing.assert_allclose(w.detach().numpy(), p, rtol=1e-12)
    m2 = nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True, generator=0)
    assert m2.bias_k.shape == (1, 1, 4) and m2(
        ag.ones((3, 2, 4)), ag.ones((5, 2, 4)), ag.ones((5, 2, 4))
    )[1].shape == (2, 3, 7)


def test_mha_batch_first_and_unbatched_agree_with_sequence_first():
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 5, 8))
    seq = nn.MultiheadAttention(8, 2, dtype=np.float64, generator=4)
    bf = nn.MultiheadAttention(8, 2, batch_first=True, dtype=np.float64, generator=4)
    a, wa = seq(
        ag.tensor(q.transpose(1, 0, 2)),
        ag.tensor(k.transpose(1, 0, 2)),
        ag.tensor(k.transpose(1, 0, 2)),
    )
    b, wb = bf(ag.tensor(q), ag.tensor(k), ag.tensor(k))
    np.testing.assert_allclose(
        a.detach().numpy().transpose(1, 0, 2), b.detach().numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(wa.detach().numpy(), wb.detach().numpy())
    u, wu = seq(ag.tensor(q[0]), ag.tensor(k[0]), ag.tensor(k[0]))
    np.testing.assert_allclose(u.detach().numpy(), a.detach().numpy()[:, 0], rtol=1e-12)
    assert wu.shape == (3, 5)


def test_mha_parameters_and_state_dict_keys_are_pytorchs():
    assert list(nn.MultiheadAttention(8, 2).state_dict()) == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias",
    ]  # fmt: skip
    m = nn.MultiheadAttention(8, 2, kdim=3, vdim=4, add_bias_kv=True)
    assert list(m.state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
        "out_proj.weight", "out_proj.bias",
    ]  # fmt: skip
    assert m.in_proj_weight is None and m.k_proj_weight.shape == (8, 3)
    assert list(nn.MultiheadAttention(8, 2, bias=False).state_dict()) == [
        "in_proj_weight", "out_proj.weight",
    ]  # fmt: skip
    fresh = nn.MultiheadAttention(8, 2, generator=0)
    np.testing.assert_array_equal(fresh.in_proj_bias.detach().numpy(), 0.0)
    bound = np.sqrt(6 / (8 + 24))  # xavier uniform on (3E, E)
    assert np.abs(fresh.in_proj_weight.detach().numpy()).max() <= bound
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(RuntimeError, match="is_causal"):
        fresh(ag.ones((2, 1, 8)), ag.ones((2, 1, 8)), ag.ones((2, 1, 8)), is_causal=True)


def test_gradgradcheck_through_multihead_attention():
    rng = np.random.default_rng(5)
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True, kdim=3, vdim=3, dtype=np.float64, generator=1)
    x = ag.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    kv = ag.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    kpm = np.array([[False, True], [False, False]])
    for need_weights in (True, False):
        fn = lambda a, b, nw=need_weights: m(a, b, b, key_padding_mask=kpm, need_weights=nw)[0]  # noqa: E731
        gradcheck(fn, [x, kv])
        gradgradcheck(fn, [x, kv])


def test_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(
        mask.detach().numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]]
    )


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
def test_encoder_layer_is_causal_under_the_causal_mask(norm_first, activation):
    act = (lambda t: t * 0.5) if activation == "callable" else activation
    layer = nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation=act, norm_first=norm_first, batch_first=True, generator=0
    )
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    y = x.copy()
    y[:, 3:] += 1.0  # change the future
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    a = layer(ag.tensor(x), src_mask=mask, is_causal=True).detach().numpy()
    b = layer(ag.tensor(y), src_mask=mask, is_causal=True).detach().numpy()
    np.testing.assert_allclose(a[:, :3], b[:, :3], rtol=1e-5, atol=1e-6)
    assert not np.allclose(a[:, 3:], b[:, 3:])


def test_encoder_stack_copies_the_layer_and_applies_the_norm():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, generator=0)
    enc = nn.TransformerEncoder(layer, 3, nn.LayerNorm(8))
    assert len(enc.layers) == 3 and enc.layers[0] is not layer
    np.testing.assert_array_equal(
        enc.layers[2].linear1.weight.detach().numpy(), layer.linear1.weight.detach().numpy()
    )
    out = enc(ag.ones((4, 2, 8)) * ag.tensor(np.arange(8.0, dtype=np.float32)))
    np.testing.assert_allclose(out.detach().numpy().mean(-1), 0.0, atol=1e-5)  # ends in LayerNorm
    assert "layers.2.self_attn.in_proj_weight" in enc.state_dict()


def test_decoder_and_transformer_shapes_and_target_causality():
    model = nn.Transformer(16, 2, 1, 2, 32, dropout=0.0, batch_first=True, generator=0)
    rng = np.random.default_rng(7)
    src = rng.standard_normal((3, 6, 16)).astype(np.float32)
    tgt = rng.standard_normal((3, 4, 16)).astype(np.float32)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    out = model(ag.tensor(src), ag.tensor(tgt), tgt_mask=mask)
    assert out.shape == (3, 4, 16)
    tgt2 = tgt.copy()
    tgt2[:, -1] = 0.0
    out2 = model(ag.tensor(src), ag.tensor(tgt2), tgt_mask=mask)
    np.testing.assert_allclose(
        out.detach().numpy()[:, :3], out2.detach().numpy()[:, :3], rtol=1e-5, atol=1e-6
    )
    assert len(model.decoder.layers) == 2 and model.encoder.norm is not None
    loss = model(ag.tensor(src), ag.tensor(tgt), tgt_mask=mask).sum()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(RuntimeError, match="d_model"):
        model(ag.ones((3, 6, 8)), ag.ones((3, 4, 8)))


def test_dropout_in_training_uses_the_generator():
    a = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, generator=3)
    b = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, generator=3)
    x = ag.ones((3, 2, 8))
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    a.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), a(x).detach().numpy())
