"""Loss semantics the generic registry test cannot see: reductions, ignore_index, class
weights, label smoothing, probability targets, clamps and stability, and clear errors.

Expected values were computed with PyTorch 2.13 (float64) and are written out here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.nn.functional.classification_loss import cross_entropy_composed

X = np.array([[1.0, -2.0, 0.5, 3.0], [0.2, 0.1, -1.0, 2.0], [-0.5, 1.5, 2.5, 0.0]])
T = np.array([3, -100, 1])
W = np.array([1.0, 2.0, 0.5, 1.5])


def _t(a, requires_grad=False):
    return ag.Tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        ("mean", 0.9795786412),
        ("sum", 3.4285252442),
        ("none", [0.6295738353, 0.0, 2.7989514088]),
    ],
)
def test_cross_entropy_weight_ignore_index_label_smoothing(reduction, expected):
    out = F.cross_entropy(_t(X), T, _t(W), reduction=reduction, label_smoothing=0.1)
    np.testing.assert_allclose(out.array, expected, rtol=1e-9, atol=1e-10)


def test_cross_entropy_gradient_matches_pytorch():
    x = _t(X, requires_grad=True)
    (g,) = ag.grad(F.cross_entropy(x, T, _t(W), label_smoothing=0.1), [x])
    expected = [
        [0.0394476519, -0.0119661094, 0.0246871436, -0.0521686862],
        [0.0, 0.0, 0.0, 0.0],
        [0.0111154259, -0.3936599505, 0.3631559906, 0.019388534],
    ]
    np.testing.assert_allclose(g.array, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        ("mean", 2.8006692959),
        ("sum", 8.4020078877),
        ("none", [2.9753168096, 2.1636266732, 3.2630644048]),
    ],
)
def test_cross_entropy_probability_targets(reduction, expected):
    q = _t([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]])
    out = F.cross_entropy(_t(X), q, _t(W), reduction=reduction, label_smoothing=0.2)
    np.testing.assert_allclose(out.array, expected, rtol=1e-9)


def test_cross_entropy_probability_target_gets_a_gradient():
    q = _t(np.full((3, 4), 0.25), requires_grad=True)
    x = _t(X)
    (gq,) = ag.grad(F.cross_entropy(x, q, reduction="sum"), [q])
    np.testing.assert_allclose(gq.array, -F.log_softmax(x, 1).array)  # d/dq of -sum q logp


def test_cross_entropy_spatial_and_unbatched():
    xs = _t([[[1.0, 2.0], [0.5, -1.0], [0.0, 0.3]]])  # (N=1, C=3, d=2)
    out = F.cross_entropy(xs, np.array([[2, 0]]), reduction="none")
    np.testing.assert_allclose(out.array, [[1.6802696706, 0.2090207665]], rtol=1e-9)
    # an unbatched (C,) input with a () target is the same as a batch of one
    one = F.cross_entropy(_t(X[2]), np.array(1), reduction="none")
    assert one.shape == ()
    np.testing.assert_allclose(one.array, F.cross_entropy(_t(X[2:]), np.array([1])).array)


def test_cross_entropy_weighted_mean_divides_by_kept_weights():
    loss_sum = F.cross_entropy(_t(X), T, _t(W), reduction="sum").item()
    loss_mean = F.cross_entropy(_t(X), T, _t(W)).item()
    assert loss_mean == pytest.approx(loss_sum / (W[3] + W[1]))  # target 1 is ignored


def test_cross_entropy_all_ignored_mean_is_nan():
    out = F.cross_entropy(_t(X), np.array([-100, -100, -100]))
    assert np.isnan(out.item())
    assert F.cross_entropy(_t(X), np.array([-100, -100, -100]), reduction="sum").item() == 0


def test_log_softmax_and_cross_entropy_are_stable_for_huge_logits():
    big = _t([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]], requires_grad=True)
    lsm = F.log_softmax(big, 1)
    np.testing.assert_allclose(
        lsm.array, [[0.0, -2e4, -1e4], [-0.69314718056, -0.69314718056, -20000.69314718056]]
    )
    ce = F.cross_entropy(big, np.array([1, 0]), reduction="none")
    np.testing.assert_allclose(ce.array, [2e4, 0.69314718056])
    (g,) = ag.grad(ce.sum(), [big])
    np.testing.assert_allclose(g.array, [[1.0, -1.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-12)
    big32 = ag.Tensor(np.array([[1e4, -1e4, 0.0]], dtype=np.float32))
    assert np.isfinite(F.cross_entropy(big32, np.array([2])).array).all()


# ---------------------------------------------------------------------- fused vs composed
def _oracle_case(rng, shape, options, dtype=np.float64):
    x = ag.Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0], *shape[2:])
    t = rng.integers(0, c, tshape)
    if t.ndim and "ignore_index" in options:
        t.reshape(-1)[::3] = options["ignore_index"]
        t.reshape(-1)[1 % t.size] = c - 1
    return x, t


_ORACLE_CASES = [
    ((5, 4), {}),
    ((5, 4), {"reduction": "sum", "label_smoothing": 0.3}),
    ((3, 4, 2, 2), {"ignore_index": 2, "label_smoothing": 0.1, "weight": True}),
    ((4, 3, 5), {"reduction": "none", "weight": True, "ignore_index": -100}),
    ((6,), {"label_smoothing": 0.25, "weight": True}),
]


@pytest.mark.parametrize(("shape", "options"), _ORACLE_CASES)
def test_fused_cross_entropy_matches_composed_oracle(shape, options):
    rng = np.random.default_rng(7)
    opts = dict(options)
    x, t = _oracle_case(rng, shape, opts)
    c = shape[0] if len(shape) == 1 else shape[1]
    if opts.pop("weight", False):
        opts["weight"] = ag.Tensor(rng.uniform(0.5, 2.0, c))
    fused = F.cross_entropy(x, t, **opts)
    composed = cross_entropy_composed(x, t, **opts)
    np.testing.assert_allclose(fused.array, composed.array, rtol=1e-12, atol=1e-12)
    u = ag.Tensor(rng.standard_normal(fused.shape))
    v = ag.Tensor(rng.standard_normal(x.shape))
    grads = []
    for out in (fused, composed):
        (g1,) = ag.grad(out, [x], grad_outputs=u, create_graph=True)
        (g1_fast,) = ag.grad(out, [x], grad_outputs=u, retain_graph=True)
        np.testing.assert_allclose(g1.array, g1_fast.array, rtol=1e-12, atol=1e-14)
        (g2,) = ag.grad((g1 * v).sum(), [x])
        grads.append((g1.array, g2.array))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10, atol=1e-13)


def test_fused_cross_entropy_float32_stays_float32():
    rng = np.random.default_rng(1)
    x = ag.Tensor(rng.standard_normal((8, 5)).astype(np.float32), requires_grad=True)
    w = ag.Tensor(rng.uniform(0.5, 2.0, 5).astype(np.float32))
    loss = F.cross_entropy(x, rng.integers(0, 5, 8), w, label_smoothing=0.1)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    ref = cross_entropy_composed(x.detach().double(), rng.integers(0, 5, 8))
    assert ref.dtype == np.float64


# ---------------------------------------------------------------------- nll_loss
def test_nll_loss_values():
    assert F.nll_loss(_t(X), T, _t(W)).item() == pytest.approx(-2.1428571429)
    out = F.nll_loss(_t(X), np.array([3, 1, 1]), ignore_index=1, reduction="sum")
    assert out.item() == pytest.approx(-3.0)
    none = F.nll_loss(_t(X), np.array([0, 1, 2]), reduction="none")
    np.testing.assert_allclose(none.array, [-1.0, -0.1, -2.5])


# ---------------------------------------------------------------------- binary losses
def test_binary_cross_entropy_clamps_log_at_minus_100():
    xi, yi = _t([0.3, 0.9, 0.0, 1.0]), _t([1.0, 0.2, 1.0, 0.0])
    out = F.binary_cross_entropy(xi, yi, reduction="none")
    np.testing.assert_allclose(out.array, [1.2039728043, 1.8631401775, 100.0, 100.0], rtol=1e-9)
    w = _t([1.0, 2.0, 0.5, 1.0])
    assert F.binary_cross_entropy(xi, yi, w).item() == pytest.approx(38.7325632898)


def test_binary_cross_entropy_gradients_are_finite_at_the_clamp():
    x = _t([0.0, 1.0, 0.5], requires_grad=True)
    y = _t([0.0, 1.0, 1.0], requires_grad=True)
    gx, gy = ag.grad(F.binary_cross_entropy(x, y, reduction="sum"), [x, y])
    # the derivatives of the clamped forward (PyTorch's backward gives inf for the target
    # and 0 for the input at x in {0, 1}); away from the clamp they agree with PyTorch
    np.testing.assert_allclose(gy.array, [100.0, -100.0, 0.0])  # log(1-x) - log(x), clamped
    np.testing.assert_allclose(gx.array, [1.0, -1.0, -2.0])  # (x - y) / (x (1 - x))


def test_binary_cross_entropy_with_logits_is_stable_and_uses_pos_weight():
    z = _t([-100.0, -2.0, 0.5, 100.0], requires_grad=True)
    y = _t([1.0, 0.2, 1.0, 0.0])
    pw = _t([3.0])
    none = F.binary_cross_entropy_with_logits(z, y, reduction="none", pos_weight=pw)
    np.testing.assert_allclose(none.array, [300.0, 1.3776992155, 1.4222309525, 100.0], rtol=1e-9)
    loss = F.binary_cross_entropy_with_logits(z, y, pos_weight=pw)
    assert loss.item() == pytest.approx(100.699982542)
    (g,) = ag.grad(loss, [z])
    np.testing.assert_allclose(g.array, [-0.75, -0.1082789773, -0.2831555016, 0.25], rtol=1e-8)


# ---------------------------------------------------------------------- kl_div
LX = np.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
QT = np.array([[0.1, 0.0, 0.9], [0.5, 0.25, 0.25]])


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [
        ("sum", 0.5520247957),
        ("batchmean", 0.2760123979),
        ("none", [[-0.0693147181, 0.0, 0.5290079984], [-0.0911607784, -0.0455803892, 0.229072683]]),
    ],
)
def test_kl_div_reductions(reduction, expected):
    out = F.kl_div(_t(LX), _t(QT), reduction=reduction)
    np.testing.assert_allclose(out.array, expected, rtol=1e-9, atol=1e-12)


def test_kl_div_mean_is_elementwise_and_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        out = F.kl_div(_t(LX), _t(QT))
    assert out.item() == pytest.approx(0.0920041326)


def test_kl_div_log_target_and_zero_target_gradient():
    lt = np.log([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    out = F.kl_div(_t(LX), _t(lt), reduction="batchmean", log_target=True)
    assert out.item() == pytest.approx(0.0887271707)
    q = _t(QT, requires_grad=True)
    (gq,) = ag.grad(F.kl_div(_t(LX), q, reduction="sum"), [q])
    assert np.isfinite(gq.array).all()


# ---------------------------------------------------------------------- regression losses
A = np.array([0.0, 0.3, -1.2, 2.5])
B = np.array([0.5, 0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("beta", "expected"),
    [(1.0, [0.125, 0.045, 0.7, 2.0]), (0.5, [0.25, 0.09, 0.95, 2.25]), (0.0, [0.5, 0.3, 1.2, 2.5])],
)
def test_smooth_l1_loss(beta, expected):
    out = F.smooth_l1_loss(_t(A), _t(B), reduction="none", beta=beta)
    np.testing.assert_allclose(out.array, expected)


@pytest.mark.parametrize(
    ("delta", "expected"), [(1.0, [0.125, 0.045, 0.7, 2.0]), (0.5, [0.125, 0.045, 0.475, 1.125])]
)
def test_huber_loss(delta, expected):
    out = F.huber_loss(_t(A), _t(B), reduction="none", delta=delta)
    np.testing.assert_allclose(out.array, expected)


def test_mse_and_l1_reductions():
    assert F.mse_loss(_t(A), _t(B)).item() == pytest.approx(2.0075)
    assert F.l1_loss(_t(A), _t(B), reduction="sum").item() == pytest.approx(4.5)
    assert F.mse_loss(_t(A), _t(B), reduction="none").shape == (4,)


def test_regression_target_of_another_shape_warns_and_broadcasts():
    with pytest.warns(UserWarning, match="broadcast"):
        out = F.mse_loss(_t(np.ones((2, 3))), _t(np.zeros(3)))
    assert out.item() == 1.0


# ---------------------------------------------------------------------- errors
def test_class_target_errors_name_the_problem():
    x = _t(X)
    with pytest.raises(TypeError, match=r"cross_entropy: target must hold integer"):
        F.cross_entropy(x, np.array([0.0, 1.0, 2.0]))  # a float target must be (N, C)
    with pytest.raises(TypeError, match=r"float target holds class probabilities .* \(3, 4\)"):
        F.cross_entropy(x, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"nll_loss: target of shape \(2,\) .* \(3, 4\)"):
        F.nll_loss(x, np.array([0, 1]))
    with pytest.raises(IndexError, match=r"cross_entropy: target value 4 is out of range"):
        F.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match="target value -1"):
        F.cross_entropy(x, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match=r"weight must have shape \(C,\) = \(4,\)"):
        F.cross_entropy(x, T, _t([1.0, 2.0]))
    with pytest.raises(ValueError, match="weight cannot require grad"):
        F.cross_entropy(x, T, _t(W, requires_grad=True))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(x, T, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum'"):
        F.cross_entropy(x, T, reduction="avg")
    with pytest.raises(ValueError, match="0-d"):
        F.cross_entropy(_t(1.0), np.array(0))


def test_other_loss_errors():
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of input"):
        F.binary_cross_entropy(_t([1.5]), _t([1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target of shape \(2, 3\)"):
        F.binary_cross_entropy(_t([0.5, 0.5, 0.5]), _t(np.ones((2, 3))))
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        F.huber_loss(_t(A), _t(B), delta=0.0)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative"):
        F.smooth_l1_loss(_t(A), _t(B), beta=-1.0)
    with pytest.raises(ValueError, match="kl_div: reduction must be one of"):
        F.kl_div(_t(LX), _t(QT), reduction="avg")
    with pytest.raises(ValueError, match="does not broadcast"):
        F.mse_loss(_t(np.ones(3)), _t(np.ones(2)))


def test_no_warnings_for_matching_shapes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(_t(A), _t(B))
        F.cross_entropy(_t(X), T)


def test_class_index_losses_are_single_fused_nodes():
    x = _t(X, requires_grad=True)
    assert F.cross_entropy(x, T, reduction="none").grad_fn.name() == "CrossEntropyBackward"
    assert F.nll_loss(x, T, reduction="none").grad_fn.name() == "NllLossBackward"
