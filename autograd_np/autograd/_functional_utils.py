"""Argument checks and result structures shared by :mod:`autograd_np.autograd.functional`: inputs
and cotangents in ``torch.autograd.functional``'s forms (a Tensor or a tuple of them),
strict-mode checks, and results detached or kept in the graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import grad
from autograd_np.tensor import Tensor


def _as_tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """``(was_tuple, tensors)``; raise unless ``value`` is a Tensor or a tuple/list of them."""
    if isinstance(value, Tensor):
        return False, (value,)
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{fn_name}: {what} must be a Tensor or a tuple of Tensors, got {type(value).__name__}"
        )
    for i, t in enumerate(value):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{fn_name}: {what} must be a Tensor or a tuple of Tensors, but element {i} "
                f"is a {type(t).__name__}"
            )
    return True, tuple(value)


def _prepare_inputs(
    inputs: tuple[Tensor, ...], create_graph: bool, fn_name: str
) -> tuple[Tensor, ...]:
    """Fresh tensors that require grad, to differentiate with respect to.

    With ``create_graph`` an input that already requires grad stays connected to its own
    graph (a differentiable copy), so the results can be differentiated with respect to it.
    """
    prepared = []
    for i, t in enumerate(inputs):
        if t.dtype.kind != "f":
            raise TypeError(
                f"{fn_name}: input {i} has dtype {t.dtype}; only floating-point inputs can be "
                "differentiated"
            )
        if create_graph and t.requires_grad:
            prepared.append(t.clone())
        else:
            prepared.append(t.detach().requires_grad_(True))
    return tuple(prepared)


def _prepare_v(
    v: Any, like: tuple[Tensor, ...], was_tuple: bool, what: str, fn_name: str
) -> tuple[Tensor, ...]:
    """Check ``v`` against ``like`` (the function's outputs or inputs), one per entry.

    ``v`` may be omitted only when ``like`` is one tensor with one element.
    """
    if v is None:
        if len(like) != 1 or like[0].array.size != 1:
            raise RuntimeError(
                f"{fn_name}: v can be omitted only when the {what} is a single Tensor with a "
                "single element; pass v of the same shape"
            )
        return (Tensor.from_array(np.ones_like(like[0].array)),)
    if isinstance(v, (tuple, list)) and not (len(like) == 1 and not was_tuple and _is_nested(v)):
        vs = list(v)
    else:
        vs = [v]
    if len(vs) != len(like):
        raise RuntimeError(f"{fn_name}: v has {len(vs)} entries; the {what} has {len(like)}")
    result = []
    for i, (vi, t) in enumerate(zip(vs, like)):
        vt = vi if isinstance(vi, Tensor) else Tensor.from_array(np.asarray(vi, dtype=t.dtype))
        if vt.shape != t.shape:
            raise RuntimeError(
                f"{fn_name}: v[{i}] has shape {vt.shape}; the {what} {i} has shape {t.shape}"
            )
        result.append(vt.astype(t.dtype) if vt.dtype != t.dtype else vt)
    return tuple(result)


def _is_nested(v: Sequence[Any]) -> bool:
    """Whether ``v`` is values (a list of numbers for one tensor) rather than a sequence of
    one entry per tensor."""
    return not any(isinstance(e, (Tensor, np.ndarray)) for e in v)


def _outputs_of(result: Any, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    return _as_tuple(result, "the outputs of the user-provided function", fn_name)


def _grad(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    create_graph: bool,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """``grad`` over the outputs that require grad (None for every input when none does)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(
        [o for o, _ in pairs],
        list(inputs),
        grad_outputs=[g for _, g in pairs],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def _fill_zeros(
    grads: Sequence[Tensor | None],
    like: Sequence[Tensor],
    strict: bool,
    fn_name: str,
    message: str,
) -> tuple[Tensor, ...]:
    """Zeros where a gradient is None (an independent input), or raise in strict mode."""
    result = []
    for i, (g, t) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn_name}: {message.format(i=i)} (strict mode)")
            g = Tensor.from_array(np.zeros_like(t.array))
        result.append(g)
    return tuple(result)


def _check_requires_grad(tensors: Sequence[Tensor], strict: bool, fn_name: str) -> None:
    if not strict:
        return
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(
                f"{fn_name}: output {i} of the user-provided function does not require grad: "
                "it is independent of the inputs, which strict mode does not allow"
            )


def _finish(tensors: Sequence[Tensor], create_graph: bool) -> tuple[Tensor, ...]:
    return tuple(tensors) if create_graph else tuple(t.detach() for t in tensors)


def _structure(values: tuple[Any, ...], was_tuple: bool) -> Any:
    return values if was_tuple else values[0]


def _scalar_output(out: Any, fn_name: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise RuntimeError(
            f"{fn_name}: the function must return a single Tensor, got {type(out).__name__}"
        )
    if out.array.size != 1:
        raise RuntimeError(
            f"{fn_name}: the function must return a Tensor with one element, got shape {out.shape}"
        )
    return out


def _one_hot(shape: tuple[int, ...], index: int, dtype: Any) -> Tensor:
    e = np.zeros(int(np.prod(shape)), dtype=dtype)
    e[index] = 1
    return Tensor.from_array(e.reshape(shape))
