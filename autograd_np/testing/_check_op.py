"""``check_op``: the property checks our own suite runs on every registered op, for any op
(a user's own included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_np.autograd import Primitive
from autograd_np.autograd.grad_mode import no_grad
from autograd_np.tensor import Tensor
from autograd_np.testing._gradcheck import gradcheck, gradgradcheck
from autograd_np.testing.registry import REGISTRY, OpInfo, Sample

__all__ = ["check_op", "check_sample", "resolve_op"]


def resolve_op(op: OpInfo | Primitive | Callable[..., Any] | str) -> OpInfo:
    """The registry entry for ``op`` (given as an entry, a name, or the op itself)."""
    if isinstance(op, OpInfo):
        return op
    if isinstance(op, str):
        if op not in REGISTRY:
            raise KeyError(f"no op named {op!r} is registered")
        return REGISTRY[op]
    for info in REGISTRY.values():
        if info.fn is op or info.primitive is op:
            return info
    raise KeyError(f"{op!r} is not a registered op; declare it with @primitive or @composite")


def _describe(sample: Sample) -> str:
    parts = []
    for a in sample.args:
        if isinstance(a, np.ndarray):
            parts.append(f"array(shape={a.shape}, dtype={a.dtype})")
        else:
            parts.append(repr(a))
    parts += [f"{k}={v!r}" for k, v in sample.kwargs.items()]
    return ", ".join(parts)


def _as_tuple(result: Any) -> tuple[Any, ...]:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _cast(args: tuple[Any, ...], dtype: Any) -> list[Any]:
    return [
        Tensor(a.astype(dtype)) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
        for a in args
    ]


def check_sample(info: OpInfo, sample: Sample, *, seed: int = 0) -> None:
    """Run every property check of ``info`` on one sample; raise AssertionError on failure.

    The checks: the forward matches the numpy reference (when there is one) in float64;
    float32 inputs give float32 outputs (and, for primitives, float32 VJP results); the
    inputs are left unchanged; the VJP matches finite differences with a random cotangent;
    and, unless the op opts out, so does the second-order VJP.
    """
    sample = Sample(
        tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in sample.args),
        sample.kwargs,
    )
    where = f"op {info.name!r} on ({_describe(sample)})"
    originals = [a.copy() if isinstance(a, np.ndarray) else a for a in sample.args]

    def call(*args: Any) -> Any:
        return info.fn(*args, **sample.kwargs)

    # forward against the numpy reference, in float64; the op must not change its inputs
    args64 = _cast(sample.args, np.float64)
    before = [a.array.copy() if isinstance(a, Tensor) else None for a in args64]
    with no_grad():
        result = _as_tuple(call(*args64))
    for k, (arg, values) in enumerate(zip(args64, before)):
        if values is not None:
            assert np.array_equal(arg.array, values, equal_nan=True), (
                f"{where}: input {k} was modified in place"
            )
    if info.ref is not None:
        expected = _as_tuple(info.ref(*sample.args, **sample.kwargs))
        assert len(expected) == len(result), (
            f"{where}: {len(result)} outputs, reference has {len(expected)}"
        )
        for k, (got, want) in enumerate(zip(result, expected)):
            got_a = got.array if isinstance(got, Tensor) else np.asarray(got)
            want_a = np.asarray(want)
            assert got_a.shape == want_a.shape, (
                f"{where}: output {k} has shape {got_a.shape}, numpy gives {want_a.shape}"
            )
            np.testing.assert_allclose(
                got_a, want_a, rtol=1e-6, atol=1e-9, err_msg=f"{where}: output {k} vs numpy"
            )

    # float32 stays float32, through the forward and the VJP
    leaves32 = [
        t.requires_grad_(info.differentiable) if isinstance(t, Tensor) else t
        for t in _cast(sample.args, np.float32)
    ]
    out32 = _as_tuple(call(*leaves32))
    for k, o in enumerate(out32):
        if isinstance(o, Tensor) and o.dtype.kind == "f" and info.preserves_dtype:
            assert o.dtype == np.float32, f"{where}: float32 inputs gave a {o.dtype} output {k}"
            if not info.differentiable:
                assert not o.requires_grad, (
                    f"{where}: a non-differentiable op's output requires grad"
                )
    first = out32[0]
    if (
        info.differentiable
        and isinstance(first, Tensor)
        and first.grad_fn is not None
        and info.primitive is not None
        and first.grad_fn.op is info.primitive
    ):
        node = first.grad_fn
        g = Tensor(np.random.default_rng(seed).standard_normal(first.shape).astype(np.float32))
        with no_grad():
            grads = _as_tuple(node.apply_vjp(g))
        for k, gx in enumerate(grads):
            if isinstance(gx, Tensor) and info.preserves_dtype:
                assert gx.dtype == np.float32, (
                    f"{where}: the VJP turned a float32 gradient into {gx.dtype} for input {k}"
                )

    if info.differentiable:
        gradcheck(call, list(sample.args), atol=info.atol, rtol=info.rtol, seed=seed)
        if info.second_order:
            gradgradcheck(call, list(sample.args), atol=info.atol, rtol=info.rtol, seed=seed)

    for k, (before, after) in enumerate(zip(originals, sample.args)):
        if isinstance(before, np.ndarray):
            assert np.array_equal(before, after), f"{where}: input {k} was modified in place"


def check_op(
    op: OpInfo | Primitive | Callable[..., Any] | str,
    *,
    max_examples: int | None = None,
    max_side: int = 4,
) -> None:
    """Check a registered op with hypothesis-drawn samples from its specification.

    Runs :func:`check_sample` on each example: forward against the numpy reference,
    dtype preservation, first- and second-order gradients against finite differences.

    Parameters
    ----------
    op : OpInfo, op, or name
        A registered op (declare your own with ``@primitive(spec=...)`` or ``@composite``).
    max_examples : int, optional
        Number of hypothesis examples (default: the active hypothesis profile's).
    max_side : int
        Largest side of drawn shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_np import primitive
    >>> from autograd_np.testing.registry import Sample
    >>> from autograd_np.testing import check_op
    >>> @primitive("my_cube", spec=lambda s: Sample((s.array(s.shape()),)), ref=lambda x: x**3)
    ... def my_cube(x):
    ...     return x**3
    >>> @my_cube.defvjp
    ... def _my_cube_vjp(g, out, x):
    ...     return 3 * g * x * x
    >>> check_op(my_cube, max_examples=5)
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from autograd_np.testing.strategies import HypothesisSampler

    info = resolve_op(op)
    if info.spec is None:
        raise ValueError(f"op {info.name!r} has no sample specification to draw from")
    spec = info.spec

    @given(st.data())
    def run(data: st.DataObject) -> None:
        sample = spec(HypothesisSampler(data, max_side=max_side))
        check_sample(info, sample, seed=data.draw(st.integers(0, 2**16), label="seed"))

    if max_examples is not None:
        run = settings(max_examples=max_examples)(run)
    run()
