"""Integer and bool dtypes follow PyTorch's rules, not numpy's (one table,
``autograd_np.dtypes.ACCEPTS``, plus the int64 accumulation of bool and integer sums).

Each expectation was checked against torch 2.13 when written; torch is not imported here.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.dtypes import ACCEPTS, check_kind

B = np.array([True, False])
I = np.array([1, 2], dtype=np.int64)
I32 = np.array([1, 2], dtype=np.int32)
U8 = np.array([1, 2], dtype=np.uint8)
FL = np.array([1.5, 2.5], dtype=np.float32)


def t(a):
    return ag.tensor(a)


# ---------------------------------------------------------------------- bool becomes int64
@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda: ag.square(t(B)), [1, 0]),
        (lambda: t(B) ** 2, [1, 0]),
        (lambda: t(B) ** 3, [1, 0]),
        (lambda: ag.sum(t(B)), 1),
        (lambda: ag.prod(t(B)), 0),
        (lambda: ag.cumsum(t(B), 0), [1, 1]),
        (lambda: ag.cumprod(t(B), 0), [1, 0]),
        (lambda: t(B) + 1, [2, 1]),
        (lambda: ag.clip(t(B), min=0), [1, 0]),
        (lambda: ag.sum(t(U8)), 3),
        (lambda: ag.sum(t(I32)), 3),
        (lambda: ag.prod(t(I32)), 2),
        (lambda: ag.cumsum(t(I32), 0), [1, 3]),
    ],
)
def test_bool_and_integer_arithmetic_and_sums_give_int64(fn, expected):
    out = fn()
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), expected)


def test_dtypes_that_stay_as_they_are():
    assert (t(B) + t(B)).dtype == np.bool_  # bool + bool stays bool in torch
    assert (t(B) * t(B)).dtype == np.bool_
    assert ag.square(t(I32)).dtype == np.int32
    assert ag.square(t(U8)).dtype == np.uint8
    assert (t(I32) * t(I32)).dtype == np.int32
    assert ag.power(t(B), t(I32)).dtype == np.int32
    assert (t(B) ** 2.0).dtype == np.float32
    assert ag.sign(t(B)).dtype == np.bool_
    assert ag.amax(t(B)).dtype == np.bool_
    assert ag.floor(t(I)).dtype == np.int64
    assert ag.round(t(I)).dtype == np.int64
    assert F.hardtanh(t(I)).dtype == np.int64
    assert ag.logsumexp(t(I), 0).dtype == np.float32
    assert ag.sum(t(B), dtype=np.float32).dtype == np.float32
    assert ag.mean(t(I), dtype=np.float64).dtype == np.float64


# ---------------------------------------------------------------------- refusals
REFUSED = {
    "mean int": lambda: ag.mean(t(I)),
    "mean bool": lambda: ag.mean(t(B)),
    "var int": lambda: ag.var(t(I)),
    "std int": lambda: ag.std(t(I)),
    "var bool": lambda: ag.var(t(B)),
    "norm int": lambda: ag.norm(t(I)),
    "round decimals int": lambda: ag.round(t(I), decimals=1),
    "round decimals=0 int": lambda: ag.round(t(I), decimals=0),
    "abs bool": lambda: ag.abs(t(B)),
    "floor bool": lambda: ag.floor(t(B)),
    "ceil bool": lambda: ag.ceil(t(B)),
    "round bool": lambda: ag.round(t(B)),
    "trunc bool": lambda: ag.trunc(t(B)),
    "relu bool": lambda: ag.relu(t(B)),
    "relu6 bool": lambda: F.relu6(t(B)),
    "hardtanh bool": lambda: F.hardtanh(t(B)),
    "leaky_relu int": lambda: F.leaky_relu(t(I)),
    "argmax bool": lambda: ag.argmax(t(B)),
    "argmin bool": lambda: ag.argmin(t(B)),
    "softmax int": lambda: F.softmax(t(I), 0),
    "log_softmax bool": lambda: F.log_softmax(t(B), 0),
    "and float": lambda: t(FL) & t(FL),
    "or float int": lambda: t(FL) | t(I),
    "xor float bool": lambda: t(FL) ^ t(B),
    "not float": lambda: ~t(FL),
    "shift float": lambda: t(FL) << 1,
    "and int float scalar": lambda: t(I) & 1.0,
    "pow bool bool": lambda: ag.power(t(B), t(B)),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_pytorch_refuses_these_dtypes_and_so_do_we(name):
    with pytest.raises(TypeError, match=r"^[a-z_]+: "):
        REFUSED[name]()


@pytest.mark.parametrize(
    "fn",
    [lambda: t(B) - t(B), lambda: t(B) - 1, lambda: 1 - t(B), lambda: t(FL) - t(B)],
    ids=["b-b", "b-1", "1-b", "f-b"],
)
def test_bool_subtraction_raises_with_pytorchs_hint(fn):
    with pytest.raises(TypeError, match=r"^subtract: Subtraction.*use the `~` or `logical_not"):
        fn()


def test_bool_negation_raises_with_pytorchs_hint():
    with pytest.raises(TypeError, match=r"^negative: Negation.*`~`"):
        -t(B)


def test_mean_of_integers_tells_how_to_convert():
    with pytest.raises(TypeError, match=r"dtype=float32"):
        ag.mean(t(I))


# ---------------------------------------------------------------------- bitwise operators
def test_bitwise_operators_on_integers_and_bools():
    np.testing.assert_array_equal((t(I) & t(I)).numpy(), [1, 2])
    assert (t(I) & t(I)).dtype == np.int64
    np.testing.assert_array_equal((~t(I)).numpy(), [-2, -3])
    np.testing.assert_array_equal((t(I) | t(B)).numpy(), [1, 2])
    np.testing.assert_array_equal((t(B) & 1).numpy(), [1, 0])
    assert (t(B) & 1).dtype == np.int64
    assert (t(B) & True).dtype == np.bool_
    np.testing.assert_array_equal((~t(B)).numpy(), [False, True])
    np.testing.assert_array_equal((t(B) ^ t(B)).numpy(), [False, False])
    np.testing.assert_array_equal((t(I) << 1).numpy(), [2, 4])
    np.testing.assert_array_equal((t(I) >> 1).numpy(), [0, 1])
    np.testing.assert_array_equal((t(B) << 1).numpy(), [2, 0])
    mask = t(FL) > 2
    np.testing.assert_array_equal((~mask & (t(FL) > 1)).numpy(), [True, False])


def test_check_kind_names_the_op_and_what_it_takes():
    with pytest.raises(TypeError, match=r"^argmax: not supported for bool .* integer and"):
        check_kind("argmax", B)
    check_kind("argmax", I)  # accepted: no error
    assert set("".join(ACCEPTS.values())) <= set("bif")


def test_integer_powers_with_negative_tensor_exponents_truncate_as_pytorch():
    base = t(np.array([0, 1, -1, 2, -2, 3, 0]))
    out = ag.power(base, t(np.array([-1, -1, -1, -1, -1, -2, 0])))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [0, 1, -1, 0, 0, 0, 1])
    np.testing.assert_array_equal(ag.power(base, t(np.full(7, -2))).numpy(), [0, 1, 1, 0, 0, 0, 0])


def test_a_0d_operand_does_not_widen_the_dtype_even_across_signedness():
    out = t(U8) + t(np.array(2))  # uint8 tensor + 0-d int64 tensor: uint8, as in PyTorch
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.numpy(), [3, 4])
    assert ag.maximum(t(U8), t(np.array(-1, dtype=np.int8))).dtype == np.uint8


def test_matrix_products_and_shifts_of_bools_raise():
    with pytest.raises(TypeError, match=r"^matmul: not supported for bool"):
        ag.matmul(t(B), t(B))
    with pytest.raises(TypeError, match=r"^dot: not supported for bool"):
        ag.dot(t(B), t(B))
    with pytest.raises(TypeError, match=r"^bitwise_left_shift: not supported for two bool"):
        t(B) << t(B)
    assert ag.matmul(t(I), t(I)).item() == 5
