"""Reverse mode: ``backward`` and ``grad``.

One iterative pass: collect the nodes reachable from the outputs, order them topologically
(Kahn's algorithm, no recursion, so graphs of any depth work), then call each node's VJP
once, after every gradient flowing into it has been summed. Gradients of broadcast inputs
are reduced to the input's shape here, in one place, for every op.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np import grad_mode
from autograd_np.function import Node
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["backward", "grad"]


def _as_list(x: Tensor | Sequence[Tensor]) -> list[Tensor]:
    if isinstance(x, Tensor):
        return [x]
    out = list(x)
    for i, t in enumerate(out):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensors, got {type(t).__name__} at position {i}")
    return out


def _root_grad(t: Tensor, g: TensorLike | None, what: str) -> Tensor:
    if g is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"{what}: grad can be implicitly created only for outputs with one element; "
                f"this output has shape {t.shape}, so pass a gradient of that shape"
            )
        return Tensor._make(np.ones_like(t.data))
    if not isinstance(g, Tensor):
        g = Tensor._make(np.asarray(g, dtype=t.data.dtype))
    if g.shape != t.shape:
        raise RuntimeError(
            f"{what}: the gradient has shape {g.shape} but the output has shape {t.shape}"
        )
    if g.dtype != t.dtype:
        g = g.astype(t.dtype)
    return g


def _topological_order(roots: list[Node]) -> list[Node]:
    """The nodes reachable from ``roots``, each after every node that feeds it a gradient."""
    deps: dict[Node, int] = {}
    stack = list(dict.fromkeys(roots))
    seen = set(stack)
    while stack:
        node = stack.pop()
        if node.released:
            raise RuntimeError(
                f"trying to backward through the graph a second time: the values saved by "
                f"{node.op.name} were freed by an earlier backward. Pass retain_graph=True to "
                "the first backward (or grad) call if you need to go through it again."
            )
        assert node.inputs is not None
        for t in node.inputs:
            child = t._node
            if child is not None:
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    order: list[Node] = []
    ready = [n for n in dict.fromkeys(roots) if n not in deps]
    while ready:
        node = ready.pop()
        order.append(node)
        assert node.inputs is not None
        for t in node.inputs:
            child = t._node
            if child is not None:
                deps[child] -= 1
                if deps[child] == 0:
                    ready.append(child)
    return order


def _sum_to_shape(g: Tensor, shape: tuple[int, ...]) -> Tensor | None:
    """Sum a broadcast gradient back to ``shape``; None when ``shape`` does not broadcast."""
    lead = g.ndim - len(shape)
    if lead < 0:
        return None
    axes = list(range(lead))
    for i, n in enumerate(shape):
        if g.shape[lead + i] != n:
            if n != 1:
                return None
            axes.append(lead + i)
    return _reshape(_sum(g, axis=tuple(axes), keepdims=False), shape=shape)


def _fit(gx: Any, x: Tensor, node: Node, index: int) -> Tensor:
    """Make a VJP's gradient match its input: a Tensor of the input's shape and dtype."""
    if not isinstance(gx, Tensor):
        gx = Tensor._make(np.asarray(gx))
    if gx.shape != x.shape:
        fitted = _sum_to_shape(gx, x.shape)
        if fitted is None:
            raise RuntimeError(
                f"{node.op.name}'s VJP returned a gradient of shape {gx.shape} for input "
                f"{index} of shape {x.shape}; it must have that shape or broadcast to it"
            )
        gx = fitted
    if gx.dtype != x.dtype:
        gx = _astype(gx, x.dtype)
    return gx


def _check_finite(node: Node, g: Tensor, gx: Tensor, index: int) -> None:
    if not np.isfinite(gx.data).all() and np.isfinite(g.data).all():
        bad = "nan" if np.isnan(gx.data).any() else "inf"
        where = "".join(node.trace[-6:]) if node.trace else "(forward trace not recorded)\n"
        raise FloatingPointError(
            f"{node.op.name} backward produced {bad} in the gradient of input {index} "
            f"(shape {gx.shape}) from a finite incoming gradient. The forward call was:\n{where}"
        )


def _run(
    roots: list[Tensor],
    root_grads: list[Tensor],
    *,
    retain_graph: bool,
    create_graph: bool,
    targets: list[Tensor] | None,
    accumulate: bool,
) -> dict[int, Tensor]:
    """The backward pass. Returns the summed gradient of each target, by ``id``.

    With ``accumulate`` the gradients go into ``.grad`` (of all leaves when ``targets`` is
    None, else of the targets only); otherwise they are only returned.
    """
    node_grads: dict[Node, Tensor] = {}
    leaf_grads: dict[int, tuple[Tensor, list[Tensor]]] = {}
    root_nodes: list[Node] = []
    for t, root_g in zip(roots, root_grads):
        if t._node is None:
            leaf_grads.setdefault(id(t), (t, []))[1].append(root_g)
        else:
            root_nodes.append(t._node)
            prev = node_grads.get(t._node)
            node_grads[t._node] = root_g if prev is None else prev + root_g

    order = _topological_order(root_nodes)

    target_nodes: dict[Node, list[Tensor]] = {}
    target_leaves: set[int] = set()
    needed: set[Node] | None = None
    if targets is not None:
        for t in targets:
            if t._node is None:
                target_leaves.add(id(t))
            else:
                target_nodes.setdefault(t._node, []).append(t)
        # A node is needed when a target lies below it.
        needed = set()
        for node in reversed(order):
            assert node.inputs is not None
            if node in target_nodes or any(
                (t._node in needed) if t._node is not None else id(t) in target_leaves
                for t in node.inputs
            ):
                needed.add(node)

    captured: dict[int, Tensor] = {}
    anomaly = grad_mode.is_anomaly_enabled()
    with grad_mode.set_grad_enabled(create_graph):
        for node in order:
            if needed is not None and node not in needed:
                continue
            g = node_grads.pop(node, None)
            inputs = node.inputs
            assert inputs is not None
            if g is not None:
                if node.tensor_hooks:
                    for hook in node.tensor_hooks:
                        r = hook(g)
                        if r is not None:
                            g = r
                if node.retained is not None:
                    owner = node.retained()
                    if owner is not None and accumulate and targets is None:
                        owner.grad = _accumulated(owner.grad, g, create_graph)
                for target in target_nodes.get(node, ()):
                    captured[id(target)] = g
                node.check_versions()
                assert node.op.vjp is not None, f"{node.op.name} has no VJP"
                grads = node.op.vjp(g, node.output(), *inputs, **node.kwargs)
                if not isinstance(grads, (tuple, list)):
                    grads = (grads,)
                if len(grads) != len(inputs):
                    raise RuntimeError(
                        f"{node.op.name}'s VJP returned {len(grads)} gradients for "
                        f"{len(inputs)} inputs"
                    )
                for i, (x, gx) in enumerate(zip(inputs, grads)):
                    if gx is None or not (x._node is not None or x._leaf_requires_grad):
                        continue
                    gx = _fit(gx, x, node, i)
                    if anomaly:
                        _check_finite(node, g, gx, i)
                    child = x._node
                    if child is None:
                        leaf_grads.setdefault(id(x), (x, []))[1].append(gx)
                    else:
                        prev = node_grads.get(child)
                        node_grads[child] = gx if prev is None else prev + gx
            if not retain_graph:
                node.release()

        for key, (leaf, parts) in leaf_grads.items():
            if targets is not None and key not in target_leaves:
                continue
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            if leaf._hooks:
                for hook in leaf._hooks:
                    r = hook(total)
                    if r is not None:
                        total = r
            captured[key] = total
            if accumulate:
                if not create_graph and len(parts) == 1 and total is parts[0]:
                    total = Tensor._make(np.array(total.data, copy=True))
                leaf.grad = _accumulated(leaf.grad, total, create_graph)
    if accumulate and targets is not None:
        for t in targets:
            if t._node is not None and id(t) in captured:
                t.grad = _accumulated(t.grad, captured[id(t)], create_graph)
    return captured


def _accumulated(old: Tensor | None, g: Tensor, create_graph: bool) -> Tensor:
    if not create_graph:
        g = g.detach() if g._node is not None else g
        if old is None:
            return g
        return Tensor._make(old.data + g.data)
    return g if old is None else old + g


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: TensorLike | Sequence[TensorLike | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        The outputs to differentiate.
    grad_tensors : array_like or sequence, optional
        The gradient with respect to each output; may be omitted for one-element outputs.
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the backward pass, for higher-order derivatives.
    inputs : sequence of Tensor, optional
        Accumulate only into these tensors' ``.grad``.
    """
    outs = _as_list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, (Tensor, np.ndarray)):
        gts: list[Any] = [grad_tensors] * len(outs) if grad_tensors is None else [grad_tensors]
    else:
        gts = list(grad_tensors)  # type: ignore[arg-type]
    if len(gts) != len(outs):
        raise RuntimeError(f"backward: got {len(gts)} gradients for {len(outs)} outputs")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(
                f"backward: output {i} (shape {t.shape}) does not require grad and has no "
                "grad_fn; did you compute it under no_grad, or from tensors without "
                "requires_grad=True?"
            )
    root_grads = [_root_grad(t, g, "backward") for t, g in zip(outs, gts)]
    targets = None if inputs is None else _as_list(inputs)
    _run(
        outs,
        root_grads,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        targets=targets,
        accumulate=True,
    )


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: TensorLike | Sequence[TensorLike | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs``, leaving ``.grad`` alone.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        The outputs to differentiate.
    inputs : Tensor or sequence of Tensor
        The tensors to differentiate with respect to (leaves or intermediate results).
    grad_outputs : array_like or sequence, optional
        The cotangent of each output; may be omitted for one-element outputs.
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the computation, so the returned gradients can be differentiated again.
    allow_unused : bool, default False
        Return None for inputs the outputs do not depend on, instead of raising.

    Returns
    -------
    tuple of Tensor or None
        One gradient per input, of the input's shape.

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor(3.0, requires_grad=True)
    >>> (dx,) = ag.grad(x**3, x, create_graph=True)
    >>> (dxx,) = ag.grad(dx, x)
    >>> float(dx), float(dxx)
    (27.0, 18.0)
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        gos: list[Any] = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    else:
        gos = list(grad_outputs)  # type: ignore[arg-type]
    if len(gos) != len(outs):
        raise RuntimeError(f"grad: got {len(gos)} grad_outputs for {len(outs)} outputs")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: output {i} (shape {t.shape}) does not require grad and has no grad_fn"
            )
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    root_grads = [_root_grad(t, g, "grad") for t, g in zip(outs, gos)]
    captured = _run(
        outs,
        root_grads,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        targets=ins,
        accumulate=False,
    )
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; pass "
                "allow_unused=True to get None for it"
            )
        if g is not None and not create_graph and g._node is not None:
            g = g.detach()
        result.append(g)
    return tuple(result)


from autograd_np.ops.elementwise import astype as _astype  # noqa: E402
from autograd_np.ops.reduction import _sum  # noqa: E402
from autograd_np.ops.shape import _reshape  # noqa: E402
