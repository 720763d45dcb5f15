"""nn.Embedding's max_norm, padding_idx and from_pretrained, and weight tying (one
Parameter in two modules), as PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn, optim


def test_max_norm_renormalizes_looked_up_rows_in_place():
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 0.0]])
    emb = nn.Embedding.from_pretrained(ag.tensor(w), freeze=False, max_norm=2.0)
    out = emb(np.array([0, 1, 1]))
    # row 0 (norm 5) scaled to norm 2 / (1 + 1e-7 / 5); row 1 (norm 0.5) untouched; row 2
    # (norm 10) is not looked up and stays
    expected0 = w[0] * 2.0 / (5.0 + 1e-7)
    np.testing.assert_allclose(out.detach().numpy(), [expected0, w[1], w[1]], rtol=1e-15)
    np.testing.assert_allclose(emb.weight.detach().numpy()[[0, 2]], [expected0, w[2]], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy(), [[1, 1], [2, 2], [0, 0], [0, 0]])
    l1 = nn.Embedding.from_pretrained(ag.tensor(w), max_norm=1.0, norm_type=1.0)
    l1(np.array([3, 2]))
    np.testing.assert_allclose(np.abs(l1.weight.numpy()[2]).sum(), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(l1.weight.numpy()[3], [1.0, 0.0])  # norm exactly 1: kept


def test_padding_idx_row_starts_at_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=1, generator=0)
    np.testing.assert_array_equal(emb.weight.detach().numpy()[1], 0.0)
    emb(np.array([[1, 2, 1], [0, 1, 4]])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[1], 0.0)
    np.testing.assert_array_equal(emb.weight.grad.numpy()[[0, 2, 4]], 1.0)


def test_from_pretrained_freezes_unless_told_not_to():
    w = ag.tensor(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad and next(iter(frozen.parameters())) is frozen.weight
    trainable = nn.Embedding.from_pretrained(w, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    np.testing.assert_array_equal(trainable(np.array([2])).detach().numpy(), [[4.0, 5.0]])


def _tied():
    emb = nn.Embedding(5, 3, generator=0)
    head = nn.Linear(3, 5, bias=False, generator=1)
    head.weight = emb.weight
    return nn.Sequential(emb, head)


def test_tied_parameter_is_seen_once():
    m = _tied()
    assert [n for n, _ in m.named_parameters()] == ["0.weight"]
    assert len(list(m.parameters())) == 1
    assert len(list(m.named_parameters(remove_duplicate=False))) == 2
    opt = optim.AdamW(m.parameters(), lr=0.1)
    assert sum(len(g["params"]) for g in opt.param_groups) == 1
    m(np.array([[0, 3]])).sum().backward()
    # both uses add into the one gradient: the lookup's rows and the head's x^T g
    assert m[0].weight.grad is m[1].weight.grad
    before = m[0].weight.detach().numpy().copy()
    opt.step()
    assert m[1].weight is m[0].weight and not np.array_equal(m[0].weight.detach().numpy(), before)


def test_tied_state_dict_keeps_both_keys_sharing_memory(tmp_path):
    m = _tied()
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "1.weight"]  # as PyTorch
    assert np.shares_memory(sd["0.weight"].numpy(), sd["1.weight"].numpy())
    assert np.shares_memory(sd["0.weight"].numpy(), m[0].weight.detach().numpy())
    ag.save(sd, tmp_path / "tied.npz")
    fresh = _tied()
    fresh.load_state_dict(ag.load(tmp_path / "tied.npz"))
    assert fresh[1].weight is fresh[0].weight
    np.testing.assert_array_equal(fresh[0].weight.detach().numpy(), m[0].weight.detach().numpy())
    untied = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 5, bias=False))
    untied.load_state_dict(sd)  # both keys present: an untied model loads them too
    np.testing.assert_array_equal(untied[1].weight.detach().numpy(), m[0].weight.detach().numpy())
    with pytest.raises((KeyError, RuntimeError)):
        untied.load_state_dict({"0.weight": sd["0.weight"]})
