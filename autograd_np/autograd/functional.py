"""Higher-level differentiation of whole functions, as ``torch.autograd.functional`` does it.

``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` take a function of one or
more Tensors and the point to differentiate at. They follow PyTorch's signatures, defaults
and return structures: when ``inputs`` is a tuple, per-input results are tuples, otherwise
a single Tensor; likewise for the function's outputs. Without ``create_graph`` results are
detached from the graph; with it they can be differentiated again.

This module is ``autograd_np.autograd.functional`` (``autograd_np.nn.functional`` holds the neural
network layers' math, a different thing).

Examples
--------
>>> import autograd_np as ag
>>> from autograd_np.autograd.functional import jacobian, hessian
>>> x = ag.tensor([1.0, 2.0], dtype=ag.float64)
>>> jacobian(lambda x: x * x, x)
tensor([[2., 0.],
        [0., 4.]], dtype=float64)
>>> hessian(lambda x: (x**3).sum(), x)
tensor([[ 6.,  0.],
        [ 0., 12.]], dtype=float64)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_np.autograd._functional_utils import (
    _as_tuple,
    _check_requires_grad,
    _fill_zeros,
    _finish,
    _grad,
    _one_hot,
    _outputs_of,
    _prepare_inputs,
    _prepare_v,
    _scalar_output,
    _structure,
)
from autograd_np.autograd.grad_mode import enable_grad
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Inputs = Tensor | Sequence[Tensor]
Result = Tensor | tuple[Any, ...]


# ---------------------------------------------------------------------- vjp and jvp
def vjp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: TensorLike | Sequence[TensorLike] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Result, Result]:
    """The function's outputs and the vector-Jacobian product ``v^T J`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the inputs as positional Tensors; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        The point at which to differentiate.
    v : Tensor or tuple of Tensor, optional
        The cotangent, shaped like the outputs. May be omitted when ``func`` returns one
        Tensor with one element.
    create_graph : bool, default False
        Record the computation so the results can be differentiated again.
    strict : bool, default False
        Raise when an input does not influence the outputs (else its product is zeros).

    Returns
    -------
    func_output : Tensor or tuple of Tensor
        ``func(*inputs)``.
    vjp : Tensor or tuple of Tensor
        Shaped like ``inputs`` (a tuple when ``inputs`` is a tuple).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.autograd.functional import vjp
    >>> out, g = vjp(lambda x: 2 * x, ag.ones(3), ag.tensor([1.0, 2.0, 3.0]))
    >>> g
    tensor([2., 4., 6.])
    """
    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
        xs = _prepare_inputs(xs, create_graph, "vjp")
        out_tuple, outs = _outputs_of(func(*xs), "vjp")
        _check_requires_grad(outs, strict, "vjp")
        vs = _prepare_v(v, outs, out_tuple, "output", "vjp")
        grads = _grad(outs, xs, vs, create_graph)
        result = _fill_zeros(grads, xs, strict, "vjp", "the outputs are independent of input {i}")
    return (
        _structure(_finish(outs, create_graph), out_tuple),
        _structure(_finish(result, create_graph), in_tuple),
    )


def jvp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: TensorLike | Sequence[TensorLike] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Result, Result]:
    """The function's outputs and the Jacobian-vector product ``J v`` at ``inputs``.

    Computed in reverse mode with the double-vjp trick: ``u -> J^T u`` is linear, so the
    VJP of that map (with respect to ``u``, along ``v``) is ``J v``. It costs about two
    backward passes.

    Parameters
    ----------
    func : callable
        Takes the inputs as positional Tensors; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        The point at which to differentiate.
    v : Tensor or tuple of Tensor, optional
        The tangent, shaped like the inputs. May be omitted when ``inputs`` is one Tensor
        with one element.
    create_graph, strict : bool
        As in :func:`vjp`.

    Returns
    -------
    func_output : Tensor or tuple of Tensor
        ``func(*inputs)``.
    jvp : Tensor or tuple of Tensor
        Shaped like the outputs.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.autograd.functional import jvp
    >>> out, t = jvp(lambda x: x * x, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    >>> t
    tensor([2., 4.])
    """
    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
        xs = _prepare_inputs(xs, create_graph, "jvp")
        vs = _prepare_v(v, xs, in_tuple, "input", "jvp")
        out_tuple, outs = _outputs_of(func(*xs), "jvp")
        _check_requires_grad(outs, strict, "jvp")
        # the dummy cotangents u; J^T u is recorded so it can be differentiated in u
        us = tuple(Tensor.from_array(np.zeros_like(o.array)).requires_grad_(True) for o in outs)
        grad_inputs = _grad(outs, xs, us, create_graph=True)
        pairs = [(gi, vi) for gi, vi in zip(grad_inputs, vs) if gi is not None]
        if strict and len(pairs) < len(xs):
            missing = next(i for i, gi in enumerate(grad_inputs) if gi is None)
            raise RuntimeError(f"jvp: the outputs are independent of input {missing} (strict mode)")
        jvps = _grad(
            [gi for gi, _ in pairs],
            us,
            [vi for _, vi in pairs],
            create_graph=create_graph,
            retain_graph=create_graph,
        )
        result = _fill_zeros(jvps, outs, strict, "jvp", "output {i} is independent of the inputs")
    return (
        _structure(_finish(outs, create_graph), out_tuple),
        _structure(_finish(result, create_graph), out_tuple),
    )


# ---------------------------------------------------------------------- jacobian and hessian
def _stack(rows: list[Tensor], shape: tuple[int, ...]) -> Tensor:
    """Stack rows (each of one shape) along a new first axis, then reshape to ``shape``.

    Differentiable when a row requires grad: built as a sum of one-hot outer products,
    ``sum_k e_k (x) row_k``, from primitives every build has (the rows are few: one per
    output or input element).
    """
    if not any(r.requires_grad for r in rows):
        stacked = np.stack([r.array for r in rows]) if rows else np.zeros((0,))
        return Tensor.from_array(stacked.reshape(shape))
    n = len(rows)
    if n == 1:
        return rows[0].reshape(shape)
    total: Tensor | None = None
    for k, row in enumerate(rows):
        # (n, 1, ..., 1) one-hot column times the row broadcast: (n, *row.shape)
        e = _one_hot((n,) + (1,) * row.ndim, k, row.dtype)
        term = e * row
        total = term if total is None else total + term
    assert total is not None
    return total.reshape(shape)


def _jacobian_reverse(
    outs: tuple[Tensor, ...], xs: tuple[Tensor, ...], create_graph: bool, strict: bool
) -> list[list[Tensor]]:
    """``J[i][j]`` of shape ``outs[i].shape + xs[j].shape``, one backward per output element."""
    jac: list[list[Tensor]] = []
    for i, out in enumerate(outs):
        rows: list[list[Tensor]] = [[] for _ in xs]
        used = [False] * len(xs)
        for k in range(out.array.size):
            e = _one_hot(out.shape, k, out.dtype)
            grads = _grad([out], xs, [e], create_graph=create_graph, retain_graph=True)
            for j, (g, x) in enumerate(zip(grads, xs)):
                used[j] = used[j] or g is not None
                rows[j].append(g if g is not None else Tensor.from_array(np.zeros_like(x.array)))
        if strict:
            for j, u in enumerate(used):
                if not u and out.array.size:
                    raise RuntimeError(
                        f"jacobian: output {i} is independent of input {j} (strict mode)"
                    )
        jac.append([_stack(rows[j], out.shape + x.shape) for j, x in enumerate(xs)])
    return jac


def _jacobian_forward(
    func: Callable[..., Any],
    xs: tuple[Tensor, ...],
    outs: tuple[Tensor, ...],
    create_graph: bool,
    strict: bool,
) -> list[list[Tensor]]:
    """``J[i][j]`` column by column: one :func:`jvp` per input element."""
    cols: list[list[list[Tensor]]] = [[[] for _ in xs] for _ in outs]
    for j, x in enumerate(xs):
        for k in range(x.array.size):
            vs = tuple(
                _one_hot(t.shape, k, t.dtype)
                if jj == j
                else Tensor.from_array(np.zeros_like(t.array))
                for jj, t in enumerate(xs)
            )
            _, tangents = jvp(func, xs, vs, create_graph=create_graph, strict=strict)
            tangent_tuple = tangents if isinstance(tangents, tuple) else (tangents,)
            for i, t in enumerate(tangent_tuple):
                cols[i][j].append(t)
    jac: list[list[Tensor]] = []
    for i, out in enumerate(outs):
        row = []
        for j, x in enumerate(xs):
            # (in elements, *out.shape) -> (*out.shape, *x.shape)
            stacked = _stack(cols[i][j], (x.array.size, *out.shape))
            axes = (*range(1, out.ndim + 1), 0)
            row.append(stacked.permute(axes).reshape(out.shape + x.shape))
        jac.append(row)
    return jac


def jacobian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the inputs as positional Tensors; returns a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensor
        The point at which to differentiate.
    create_graph : bool, default False
        Record the computation so the Jacobian can be differentiated again.
    strict : bool, default False
        Raise when an output does not depend on an input (else that block is zeros).
    vectorize : bool, default False
        Accepted for PyTorch compatibility; there is no vmap here, so the Jacobian is built
        one row (or column) at a time either way, with the same result.
    strategy : {"reverse-mode", "forward-mode"}
        Rows by backward passes (one per output element), or columns by :func:`jvp` (one
        per input element): pick the side with fewer elements.

    Returns
    -------
    Tensor, tuple of Tensor, or tuple of tuples of Tensor
        ``J[i][j]`` of shape ``outputs[i].shape + inputs[j].shape``: a Tensor for one input
        and one output, a tuple over the inputs (or outputs) when only they are a tuple, a
        tuple (over outputs) of tuples (over inputs) when both are.

    Shapes
    ------
    inputs[j] : (*I_j)
    outputs[i] : (*O_i)
    J[i][j] : (*O_i, *I_j)

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.autograd.functional import jacobian
    >>> A = ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> jacobian(lambda x: A @ x, ag.zeros(2))
    tensor([[1., 2.],
            [3., 4.],
            [5., 6.]])
    """
    del vectorize  # see the docstring
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
        xs = _prepare_inputs(xs, create_graph, "jacobian")
        out_tuple, outs = _outputs_of(func(*xs), "jacobian")
        _check_requires_grad(outs, strict, "jacobian")
        if strategy == "reverse-mode":
            jac = _jacobian_reverse(outs, xs, create_graph, strict)
        else:
            jac = _jacobian_forward(func, xs, outs, create_graph, strict)
        blocks = tuple(tuple(_finish(row, create_graph)) for row in jac)
    if out_tuple and in_tuple:
        return blocks
    if out_tuple:
        return tuple(row[0] for row in blocks)
    return _structure(blocks[0], in_tuple)


def hessian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar function at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the inputs as positional Tensors; returns a Tensor with one element.
    inputs : Tensor or tuple of Tensor
        The point at which to differentiate.
    create_graph, strict, vectorize
        As in :func:`jacobian`.
    outer_jacobian_strategy : {"reverse-mode", "forward-mode"}
        How the Jacobian of the gradient is taken (the inner gradient is always reverse
        mode).

    Returns
    -------
    Tensor or tuple of tuples of Tensor
        ``H[i][j]`` of shape ``inputs[i].shape + inputs[j].shape``; a Tensor for one input.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.autograd.functional import hessian
    >>> A = ag.tensor([[1.0, 2.0], [0.0, 3.0]], dtype=ag.float64)
    >>> hessian(lambda x: x @ A @ x, ag.ones(2, dtype=ag.float64))  # A + A^T
    tensor([[2., 2.],
            [2., 6.]], dtype=float64)
    """
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*args: Tensor) -> Tensor:
        return _scalar_output(func(*args), "hessian").reshape(())

    def gradient(*args: Tensor) -> tuple[Tensor, ...]:
        grads = jacobian(scalar, args, create_graph=True, strict=strict)
        return tuple(grads)

    result = jacobian(
        gradient,
        xs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    if in_tuple:
        return result
    return result[0][0]


# ---------------------------------------------------------------------- vhp and hvp
def vhp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: TensorLike | Sequence[TensorLike] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Result]:
    """The function's output and the vector-Hessian product ``v^T H`` at ``inputs``.

    Parameters
    ----------
    func : callable
        Takes the inputs as positional Tensors; returns a Tensor with one element.
    inputs : Tensor or tuple of Tensor
        The point at which to differentiate.
    v : Tensor or tuple of Tensor, optional
        Shaped like the inputs; may be omitted when the input is one one-element Tensor.
    create_graph, strict : bool
        As in :func:`vjp`.

    Returns
    -------
    func_output : Tensor
        ``func(*inputs)``.
    vhp : Tensor or tuple of Tensor
        Shaped like ``inputs``.
    """
    with enable_grad():
        in_tuple, xs, vs, out, jac = _recorded_gradient(
            func, inputs, v, create_graph, strict, "vhp"
        )
        pairs = [(j, vi) for j, vi in zip(jac, vs) if j is not None]
        grads = _grad([j for j, _ in pairs], xs, [vi for _, vi in pairs], create_graph)
    return _second_order_result(out, grads, xs, in_tuple, create_graph, strict, "vhp")


def hvp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: TensorLike | Sequence[TensorLike] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Result]:
    """The function's output and the Hessian-vector product ``H v`` at ``inputs``.

    Computed with the double-backward trick (as PyTorch does): the gradient ``g(x)`` is
    recorded, then the VJP of ``u -> (dg/dx)^T u`` is taken in ``u`` along ``v``. For a
    twice continuously differentiable function ``H`` is symmetric and this equals
    :func:`vhp`.

    Parameters and returns are those of :func:`vhp`.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.autograd.functional import hvp
    >>> x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    >>> _, hv = hvp(lambda x: (x**3).sum(), x, ag.ones(2, dtype=ag.float64))
    >>> hv  # diag(6x) @ 1
    tensor([ 6., 12.], dtype=float64)
    """
    with enable_grad():
        in_tuple, xs, vs, out, jac = _recorded_gradient(
            func, inputs, v, create_graph, strict, "hvp"
        )
        us = tuple(Tensor.from_array(np.zeros_like(x.array)).requires_grad_(True) for x in xs)
        present = [(j, u) for j, u in zip(jac, us) if j is not None]
        double_back = _grad([j for j, _ in present], xs, [u for _, u in present], True)
        pairs = [(d, vi) for d, vi in zip(double_back, vs) if d is not None]
        grads = _grad([d for d, _ in pairs], us, [vi for _, vi in pairs], create_graph)
    return _second_order_result(out, grads, xs, in_tuple, create_graph, strict, "hvp")


def _recorded_gradient(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Any,
    create_graph: bool,
    strict: bool,
    fn_name: str,
) -> tuple[bool, tuple[Tensor, ...], tuple[Tensor, ...], Tensor, tuple[Tensor | None, ...]]:
    """What :func:`vhp` and :func:`hvp` start from: whether ``inputs`` is a tuple, the
    inputs and ``v`` prepared, the scalar output, and its gradient with respect to each
    input, recorded so it can be differentiated again (None for an independent input)."""
    in_tuple, xs = _as_tuple(inputs, "inputs", fn_name)
    xs = _prepare_inputs(xs, create_graph, fn_name)
    vs = _prepare_v(v, xs, in_tuple, "input", fn_name)
    out = _scalar_output(func(*xs), fn_name)
    _check_requires_grad((out,), strict, fn_name)
    ones = Tensor.from_array(np.ones_like(out.array))
    jac = _grad([out], xs, [ones], create_graph=True)
    if strict:
        for i, g in enumerate(jac):
            if g is None:
                raise RuntimeError(
                    f"{fn_name}: the output is independent of input {i} (strict mode)"
                )
    return in_tuple, xs, vs, out, jac


def _second_order_result(
    out: Tensor,
    grads: Sequence[Tensor | None],
    xs: tuple[Tensor, ...],
    in_tuple: bool,
    create_graph: bool,
    strict: bool,
    fn_name: str,
) -> tuple[Tensor, Result]:
    """The output and the product of :func:`vhp` or :func:`hvp`, zeros for inputs the
    gradient does not depend on."""
    message = "the gradient is independent of input {i}"
    result = _fill_zeros(grads, xs, strict, fn_name, message)
    return _finish((out,), create_graph)[0], _structure(_finish(result, create_graph), in_tuple)
