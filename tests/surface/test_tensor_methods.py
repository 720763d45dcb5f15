"""PyTorch's Tensor methods that training scripts call (issue 14, item 7)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as torch
from autograd_np.testing import check_op


def _t(a, requires_grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def test_masked_fill_and_its_gradient():
    x = _t([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    y = x.masked_fill(x < 0, float("-inf"))
    np.testing.assert_array_equal(y.detach().numpy(), [[1, -np.inf], [3, -np.inf]])
    (x.masked_fill(torch.tensor([True, False]), 0.0) * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 3], [0, 3]])
    v = _t(5.0, requires_grad=True)  # a 0-d tensor value receives the filled gradients
    torch.masked_fill(
        torch.zeros(3, dtype=torch.float64), torch.tensor([1, 0, 1]) > 0, v
    ).sum().backward()
    assert v.grad.item() == 2.0
    with pytest.raises(TypeError, match="bool"):
        x.masked_fill(torch.tensor([1, 0]), 0.0)
    with pytest.raises(ValueError, match="does not broadcast"):
        torch.zeros(2).masked_fill(torch.ones(3, 2) > 0, 0.0)


def test_masked_fill_in_place():
    x = torch.zeros(4)
    assert x.masked_fill_(torch.tensor([True, False, True, False]), 2.0) is x
    assert x.tolist() == [2.0, 0.0, 2.0, 0.0] and x._version == 1
    # recorded in grad mode on a tensor in the graph, like add_
    w = _t([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 2
    h.masked_fill_(torch.tensor([False, True, False]), 0.0)
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2, 0, 2])
    with pytest.raises(RuntimeError, match="leaf"):
        w.masked_fill_(torch.tensor([True, False, False]), 0.0)


def test_scatter_scatter_add_and_index_fill():
    x = torch.zeros(2, 4)
    idx = torch.tensor([[3, 0], [1, 2]])
    src = torch.tensor([[1.0, 2.0, 9.0], [3.0, 4.0, 9.0]])  # only index's corner is read
    np.testing.assert_array_equal(x.scatter(1, idx, src).numpy(), [[2, 0, 0, 1], [0, 3, 4, 0]])
    np.testing.assert_array_equal(x.scatter(1, idx, 7.0).numpy(), [[7, 0, 0, 7], [0, 7, 7, 0]])
    np.testing.assert_array_equal(
        torch.zeros(3)
        .scatter_add(0, torch.tensor([0, 0, 2]), torch.tensor([1.0, 2.0, 3.0]))
        .numpy(),
        [3, 0, 3],
    )
    y = torch.zeros(3)
    assert y.scatter_(0, torch.tensor([2]), torch.tensor([5.0])) is y and y.tolist() == [0, 0, 5]
    assert y.scatter_add_(0, torch.tensor([2, 2]), torch.ones(2)).tolist() == [0, 0, 7]
    np.testing.assert_array_equal(
        torch.ones(2, 3).index_fill(1, torch.tensor([0, 2]), -1.0).numpy(), [[-1, 1, -1]] * 2
    )
    z = torch.ones(3, 2)
    assert z.index_fill_(0, torch.tensor([1]), 0.0) is z and z.tolist() == [[1, 1], [0, 0], [1, 1]]
    with pytest.raises(IndexError, match="out of range"):
        x.scatter(1, torch.tensor([[4]]), 1.0)
    with pytest.raises(ValueError, match="as many dims"):
        x.scatter(1, torch.tensor([1]), 1.0)


def test_scatter_gradients_reach_input_and_src():
    x = _t(np.arange(6.0).reshape(2, 3), requires_grad=True)
    src = _t([[10.0], [20.0]], requires_grad=True)
    out = x.scatter(1, torch.tensor([[2], [0]]), src)
    (out * _t([[1, 2, 3], [4, 5, 6]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2, 0], [0, 5, 6]])
    np.testing.assert_array_equal(src.grad.numpy(), [[3], [4]])


@pytest.mark.parametrize(
    "op",
    [
        torch.scatter,
        torch.scatter_add,
        torch.masked_fill,
        torch.index_fill,
        torch.tril,
        torch.triu,
        torch.topk,
        torch.sort,
        torch.argsort,
    ],
)
def test_new_ops_pass_the_registry_checks(op):
    check_op(op)  # forward vs numpy, float32 kept, first and second order VJPs


def test_triangles_and_topk():
    m = torch.ones(3, 3)
    assert torch.tril(m).tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert m.triu(1).tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    assert torch.triu(torch.ones(2, 2, 2), -1).shape == (2, 2, 2)
    mask = torch.triu(torch.full((3, 3), float("-inf")), diagonal=1)  # a causal mask
    assert np.isneginf(mask.numpy()).sum() == 3 and not np.isnan(mask.numpy()).any()
    with pytest.raises(ValueError, match="at least 2 dims"):
        torch.tril(torch.ones(3))
    x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    values, indices = x.topk(2, dim=1)
    assert values.tolist() == [[5, 3], [6, 4]] and indices.tolist() == [[1, 2], [2, 0]]
    assert indices.dtype == np.int64
    small = torch.topk(x, 1, dim=0, largest=False)
    assert small.values.tolist() == [[1, 2, 3]] and small.indices.tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match="out of range"):
        x.topk(4)


def test_shape_helpers():
    x = torch.arange(6.0).reshape(2, 3)
    assert x.t().shape == (3, 2) and torch.ones(3).t().shape == (3,)
    with pytest.raises(ValueError, match="at most 2 dims"):
        torch.ones(2, 2, 2).t()
    assert x.narrow(1, 1, 2).tolist() == [[1, 2], [4, 5]]
    assert x.narrow(0, -1, 1).tolist() == [[3, 4, 5]]
    with pytest.raises(ValueError, match="do not fit"):
        x.narrow(1, 2, 2)
    assert x.view_as(torch.zeros(3, 2)).shape == (3, 2)
    assert torch.ones(1, 3).expand_as(torch.zeros(4, 3)).shape == (4, 3)
    assert x.type_as(torch.zeros(1, dtype=torch.int64)).dtype == np.int64
    assert x.numel() == 6 and x.element_size() == 4
    assert torch.zeros(2, dtype=torch.float64).element_size() == 8


def test_contiguous_copies_only_when_needed():
    x = torch.arange(6.0).reshape(2, 3)
    assert x.contiguous() is x and x.is_contiguous()
    tt = x.t()
    assert not tt.is_contiguous()
    c = tt.contiguous()
    assert c.is_contiguous() and c.tolist() == tt.tolist()
    c[0, 0] = 100.0  # a copy: the original is unchanged
    assert x[0, 0].item() == 0.0
    w = torch.ones(2, 3, requires_grad=True)
    (w.t().contiguous() * 2).sum().backward()
    assert w.grad.tolist() == [[2, 2, 2]] * 2


def test_new_constructors():
    x = torch.ones(2, dtype=torch.float64)
    assert x.new_zeros(3).dtype == np.float64 and x.new_zeros((2, 2)).shape == (2, 2)
    assert x.new_ones(2, 3).tolist() == [[1, 1, 1]] * 2
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full((2,), 7).dtype == np.float64
    assert x.new_empty(4).shape == (4,)
    t = x.new_tensor([1, 2])
    assert t.dtype == np.float64 and t.tolist() == [1.0, 2.0]
    assert x.new_zeros(2, dtype=torch.long).dtype == np.int64
    assert x.new_ones(2, requires_grad=True).requires_grad


def test_products_and_comparisons():
    a, b = torch.ones(2, 3), torch.ones(3, 4)
    assert a.mm(b).shape == (2, 4)
    with pytest.raises(ValueError, match="2-D"):
        a.mm(torch.ones(3))
    assert torch.ones(5, 2, 3).bmm(torch.ones(5, 3, 4)).shape == (5, 2, 4)
    with pytest.raises(ValueError, match="3-D"):
        torch.ones(5, 2, 3).bmm(torch.ones(4, 3, 4))
    x = torch.tensor([1, 2, 3])
    assert x.eq(2).tolist() == [False, True, False]
    assert x.ne(2).tolist() == [True, False, True]
    assert x.lt(2).tolist() == [True, False, False] and x.le(2).tolist() == [True, True, False]
    assert x.gt(2).tolist() == [False, False, True] and x.ge(2).tolist() == [False, True, True]
    assert x.eq(torch.tensor([1, 0, 3])).sum().item() == 2


def test_conversions():
    x = torch.tensor([1.7, -2.2])
    assert x.double().dtype == np.float64 and x.float().dtype == np.float32
    assert x.half().dtype == np.float16
    assert x.long().tolist() == [1, -2] and x.int().dtype == np.int32
    assert x.bool().tolist() == [True, True]


def test_format_of_0d_tensors():
    loss = torch.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:>8.2f}" == "    0.12"
    assert f"{torch.tensor(3):d}" == "3"
    assert f"{torch.tensor(1234.5, requires_grad=True):.2e}" == "1.23e+03"
    assert f"{torch.ones(2)}" == str(torch.ones(2))
    with pytest.raises(TypeError):
        f"{torch.ones(2):.4f}"


def test_random_fills():
    torch.manual_seed(0)
    x = torch.empty(1000)
    assert x.uniform_(-2, 2) is x and x.numpy().min() >= -2 and x.numpy().max() < 2
    x.normal_(5.0, 0.1)
    assert abs(x.numpy().mean() - 5) < 0.05
    x.bernoulli_(0.3)
    assert set(np.unique(x.numpy())) <= {0.0, 1.0}
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert (
        torch.empty(3).uniform_(generator=g1).tolist()
        == torch.empty(3).uniform_(generator=g2).tolist()
    )
    w = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.uniform_()
    with torch.no_grad():
        w.uniform_()


def test_data_is_a_tensor_outside_the_graph_sharing_memory():
    p = torch.ones(3, requires_grad=True)
    d = p.data
    assert isinstance(d, torch.Tensor) and not d.requires_grad and d.is_leaf
    version = p._version
    p.data.add_(torch.ones(3), alpha=2.0)  # no error, no graph, p changes
    assert p.tolist() == [3.0, 3.0, 3.0] and p.requires_grad and p._version == version + 1
    p.data.copy_(torch.tensor([1.0, 2.0, 3.0]))
    assert p.tolist() == [1.0, 2.0, 3.0]
    p.data.mul_(2)
    assert p.tolist() == [2.0, 4.0, 6.0]
    p.data = torch.zeros(2)  # replaces the values (even the shape), as in PyTorch
    assert p.shape == (2,) and p.requires_grad
    # a saved value changed through .data is caught at backward, as in PyTorch
    q = torch.ones(2, requires_grad=True)
    y = (q * q).sum()
    q.data.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_methods_by_name_delegate_to_the_ops():
    x = torch.tensor([[1.0, 2.0, 4.0], [8.0, 16.0, 0.5]])
    assert x.nelement() == 6
    assert x.add(1.0, alpha=2.0).tolist() == [[3, 4, 6], [10, 18, 2.5]]
    assert x.sub(x).abs().sum().item() == 0 and x.mul(2).div(2).tolist() == x.tolist()
    np.testing.assert_allclose(x.log2().numpy(), np.log2(x.numpy()))
    np.testing.assert_allclose(x.log10().numpy(), np.log10(x.numpy()), rtol=1e-6)
    assert x.neg().tolist() == (-x).tolist()
    assert torch.tensor([1.5, -1.5]).floor().tolist() == [1, -2]
    assert torch.tensor([1.5, -1.5]).ceil().tolist() == [2, -1]
    assert x.where(x > 3, 0.0).tolist() == [[0, 0, 4], [8, 16, 0]]
    assert x.cumprod(1).tolist()[0] == [1, 2, 8]
    assert x.roll(1, 1).tolist()[0] == [4, 1, 2] and x.movedim(0, 1).shape == (3, 2)
    assert x.repeat_interleave(2, dim=0).shape == (4, 3)
    assert torch.tensor([np.nan, 1.0]).isnan().tolist() == [True, False]
    a, b = torch.tensor([True, True, False]), torch.tensor([True, False, False])
    assert (a ^ b).tolist() == [False, True, False] and a.logical_xor(b).tolist() == (
        a ^ b
    ).tolist()
    assert (torch.tensor([5, 3]) ^ torch.tensor([1, 1])).tolist() == [4, 2]
    with pytest.raises(TypeError, match="bool and integer"):
        torch.ones(2) ^ torch.ones(2)
    w = torch.ones(3, requires_grad=True)
    (w.add(w, alpha=3.0) * w.outer(torch.ones(1)).sum(1)).sum().backward()
    assert w.grad.tolist() == [8.0, 8.0, 8.0]


def test_sort_and_selection_helpers():
    x = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    values, indices = x.sort(dim=1, descending=True)
    assert values.tolist() == [[3, 2, 1], [5, 4, 0]] and indices.tolist() == [[0, 2, 1], [1, 2, 0]]
    (values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [[1, 100, 10], [100, 1, 10]]
    assert torch.argsort(torch.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert torch.sort(torch.tensor([1, 1, 0]), stable=True).indices.tolist() == [2, 0, 1]
    a, b = x.unbind(1)[0], x.unbind()[1]
    assert a.tolist() == [3, 0] and b.tolist() == [0, 5, 4]
    assert x.masked_select(x > 2).tolist() == [3, 5, 4]
    assert x.masked_select(torch.tensor([True, False, True])).tolist() == [3, 2, 0, 4]
    assert x.nonzero().tolist() == [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2]]
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 0, 0, 1, 1] and cols.tolist() == [0, 1, 2, 1, 2]
    assert x.count_nonzero().item() == 5 and x.count_nonzero(dim=1).tolist() == [3, 2]
    assert x.clamp_min(2).tolist() == [[3, 2, 2], [2, 5, 4]]
    assert x.clamp_max(2).tolist() == [[2, 1, 2], [0, 2, 2]]
    np.testing.assert_allclose(torch.tensor([4.0]).rsqrt().numpy(), [0.5])
    assert torch.ones(2, 6).unflatten(1, (2, -1)).shape == (2, 2, 3)


def test_top_level_torch_functions():
    a, b = torch.ones(2, 3), torch.ones(3, 4)
    assert torch.mm(a, b).shape == (2, 4) and torch.bmm(
        torch.ones(2, 2, 3), torch.ones(2, 3, 1)
    ).shape == (2, 2, 1)
    assert torch.t(a).shape == (3, 2) and torch.narrow(b, 1, 1, 2).shape == (3, 2)
    x = torch.tensor([1, 2, 3])
    assert torch.eq(x, 2).tolist() == [False, True, False] and torch.ne(x, 2).sum().item() == 2
    assert torch.lt(x, 2).sum().item() == 1 and torch.le(x, 2).sum().item() == 2
    assert torch.gt(x, 2).sum().item() == 1 and torch.ge(x, 2).sum().item() == 2
    assert torch.allclose(torch.ones(2), torch.ones(2) + 1e-9) is True
    assert not torch.allclose(torch.ones(2), torch.zeros(2))
    assert torch.isclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1])).tolist() == [
        True,
        False,
    ]
    assert torch.all(x > 0).item() and not torch.any(x > 3).item()
    assert torch.any(torch.tensor([[True, False], [False, False]]), dim=1).tolist() == [True, False]
    assert x.all().item() and torch.zeros(2).any().item() is False
