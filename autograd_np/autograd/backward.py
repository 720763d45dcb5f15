"""Reverse mode: ``backward`` and ``grad``.

One iterative pass: collect the nodes reachable from the outputs, order them topologically
(Kahn's algorithm, no recursion, so graphs of any depth work), then call each node's VJP
once, after every gradient flowing into it has been summed. Gradients of broadcast inputs
are reduced to the input's shape here, in one place, for every op.

Gradients stored in ``.grad`` never alias another tensor's values and are never read-only
views: a gradient that was not freshly summed here is copied before it is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_np.autograd import grad_mode
from autograd_np.autograd.graph import ENGINE, Node

if TYPE_CHECKING:
    from autograd_np.tensor import Tensor, TensorLike

__all__ = ["backward", "grad", "sum_to_shape"]


def _as_list(x: Tensor | Sequence[Tensor], what: str) -> list[Tensor]:
    if isinstance(x, ENGINE.tensor):
        return [x]
    out = list(x)
    for i, t in enumerate(out):
        if not isinstance(t, ENGINE.tensor):
            raise TypeError(f"{what}: expected Tensors, got {type(t).__name__} at position {i}")
    return out


def _cotangents(
    outs: list[Tensor], given: Any, single: bool, what: str, name: str
) -> list[TensorLike | None]:
    """One cotangent (or None) per output, from what the caller passed."""
    if given is None:
        return [None] * len(outs)
    if single and not (
        isinstance(given, (list, tuple))
        and len(given) == 1
        and (given[0] is None or isinstance(given[0], (ENGINE.tensor, np.ndarray)))
    ):
        return [given]  # the one cotangent of a single output (a Tensor, array, list, number)
    if isinstance(given, (ENGINE.tensor, np.ndarray)):
        given = [given]
    result = list(given)
    if len(result) != len(outs):
        raise RuntimeError(f"{what}: got {len(result)} {name} for {len(outs)} outputs")
    return result


def _root_grad(t: Tensor, g: TensorLike | None, what: str) -> Tensor:
    if g is None:
        if t.array.size != 1:
            raise RuntimeError(
                f"{what}: grad can be implicitly created only for outputs with one element; "
                f"this output has shape {t.shape}, so pass a gradient of that shape"
            )
        return ENGINE.tensor.from_array(np.ones_like(t.array))
    if not isinstance(g, ENGINE.tensor):
        g = ENGINE.tensor.from_array(np.asarray(g, dtype=t.array.dtype))
    if g.shape != t.shape:
        raise RuntimeError(
            f"{what}: the gradient has shape {g.shape} but the output has shape {t.shape}; "
            "they must be equal"
        )
    if g.dtype != t.dtype:
        g = g.astype(t.dtype)
    return g


def _topological_order(roots: list[Node]) -> list[Node]:
    """The nodes reachable from ``roots``, each after every node that feeds it a gradient
    (Kahn's algorithm: count each node's consumers, then emit a node once all are done)."""
    starts = list(dict.fromkeys(roots))
    is_root = set(starts)
    consumers: dict[Node, int] = {}
    stack = list(starts)
    while stack:
        for child in stack.pop().edges:
            if type(child) is Node:
                if child in consumers:
                    consumers[child] += 1
                else:
                    consumers[child] = 1
                    if child not in is_root:  # roots are already on the stack
                        stack.append(child)
    order: list[Node] = []
    ready = [n for n in starts if n not in consumers]
    while ready:
        node = ready.pop()
        order.append(node)
        for child in node.edges:
            if type(child) is Node:
                left = consumers[child] - 1
                consumers[child] = left
                if not left:
                    ready.append(child)
    return order


def sum_to_shape(g: Tensor, shape: tuple[int, ...]) -> Tensor | None:
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
    return ENGINE.reshape(ENGINE.sum(g, axis=tuple(axes), keepdims=False), shape=shape)


def _fit(gx: Any, node: Node, index: int) -> Tensor:
    """Make a VJP's gradient match its input: a Tensor of the input's shape and dtype."""
    if not isinstance(gx, ENGINE.tensor):
        gx = ENGINE.tensor.from_array(np.asarray(gx))
    shape, dtype = node.shapes[index], node.dtypes[index]
    if gx.shape != shape:
        fitted = sum_to_shape(gx, shape)
        if fitted is None:
            raise RuntimeError(
                f"{node.op.name}'s VJP returned a gradient of shape {gx.shape} for input "
                f"{index} of shape {shape}; it must have that shape or broadcast to it"
            )
        gx = fitted
    if gx.dtype != dtype:
        gx = ENGINE.astype(gx, dtype)
    return gx


def _forward_trace(node: Node) -> str:
    if node.trace:
        return "The forward call was:\n" + "".join(node.trace[-8:])
    return "(forward trace not recorded)\n"


def _check_finite(node: Node, g: Tensor, gx: Tensor, index: int) -> None:
    if not np.isfinite(gx.array).all() and np.isfinite(g.array).all():
        bad = "nan" if np.isnan(gx.array).any() else "inf"
        raise FloatingPointError(
            f"{node.op.name} backward produced {bad} in the gradient of input {index} "
            f"(shape {gx.shape}) from a finite incoming gradient. {_forward_trace(node)}"
        )


def _call_vjp(node: Node, g: Tensor, anomaly: bool) -> tuple[Any, ...]:
    """The node's VJP on ``g``, as a tuple with one entry per input."""
    if anomaly:
        try:
            grads = node.apply_vjp(g)
        except FloatingPointError as e:
            raise FloatingPointError(f"{node.op.name} backward: {e}. {_forward_trace(node)}") from e
    else:
        grads = node.apply_vjp(g)
    if type(grads) is not tuple:
        grads = tuple(grads) if isinstance(grads, list) else (grads,)
    if len(grads) != len(node.edges):
        raise RuntimeError(
            f"{node.op.name}'s VJP returned {len(grads)} gradients for {len(node.edges)} inputs"
        )
    return grads


def _owned(g: Tensor, owned: bool, create_graph: bool, like: np.ndarray | None = None) -> Tensor:
    """``g`` as a tensor whose values nobody else holds (copied unless ``owned``); with
    ``like``, in the memory layout of that array (a gradient laid out like its tensor:
    an optimizer mixing a C-ordered parameter with a transposed gradient runs 3x slower)."""
    if create_graph:
        return g if owned else ENGINE.clone(g)
    if g._node is not None or g._leaf_requires_grad:
        g = g.detach()
    data = g.array
    if like is not None and like.shape == data.shape:
        if owned and data.strides == like.strides:
            return g
        out = np.empty_like(like, dtype=data.dtype)
        np.copyto(out, data)
        return ENGINE.tensor.from_array(out)
    return g if owned else ENGINE.tensor.from_array(np.array(data, copy=True))


def _accumulate(
    old: Tensor | None,
    g: Tensor,
    owned: bool,
    create_graph: bool,
    like: np.ndarray | None = None,
) -> Tensor:
    """The new ``.grad``: ``old + g``, out of place, never aliasing ``g``; a first gradient
    is laid out like ``like`` (the tensor's values), when given."""
    if old is None:
        return _owned(g, owned, create_graph, like)
    if create_graph:
        return old + g
    return ENGINE.tensor.from_array(old.array + g.array)


class _Pass:
    """The state of one backward pass: the gradients flowing into nodes and leaves, and
    which nodes run (all reachable ones, or those with a target below them)."""

    __slots__ = (
        "captured",
        "create_graph",
        "leaf_grads",
        "node_grads",
        "order",
        "run_vjp",
        "target_leaves",
        "target_nodes",
        "visit",
    )

    def __init__(self, create_graph: bool) -> None:
        self.create_graph = create_graph
        self.node_grads: dict[Node, Tensor] = {}
        self.leaf_grads: dict[int, tuple[Tensor, list[Tensor]]] = {}
        self.order: list[Node] = []
        self.target_nodes: dict[Node, list[Tensor]] = {}
        self.target_leaves: set[int] = set()
        self.visit: set[Node] | None = None  # None: every node
        self.run_vjp: set[Node] | None = None
        self.captured: dict[int, tuple[Tensor, bool]] = {}

    def add(self, edge: Node | Tensor, g: Tensor) -> None:
        """Send the gradient ``g`` along ``edge`` (a node, or a leaf that requires grad)."""
        if type(edge) is Node:
            prev = self.node_grads.get(edge)
            self.node_grads[edge] = g if prev is None else prev + g
        else:
            self.leaf_grads.setdefault(id(edge), (edge, []))[1].append(g)  # type: ignore[arg-type]


def _seed(p: _Pass, roots: list[Tensor], root_grads: list[Tensor]) -> None:
    """Stage 1: the outputs' cotangents, and the nodes in topological order."""
    root_nodes: list[Node] = []
    for t, root_g in zip(roots, root_grads):
        if t._node is None:
            p.add(t, root_g)
        else:
            root_nodes.append(t._node)
            p.add(t._node, root_g)
    p.order = _topological_order(root_nodes)


def _prune(p: _Pass, targets: list[Tensor]) -> None:
    """Stage 2 (with targets only): keep the nodes with a target below them."""
    for t in targets:
        if t._node is None:
            p.target_leaves.add(id(t))
        else:
            p.target_nodes.setdefault(t._node, []).append(t)
    visit: set[Node] = set()
    run_vjp: set[Node] = set()
    for node in reversed(p.order):  # inputs before the nodes they feed
        for e in node.edges:
            if (e in visit) if type(e) is Node else (e is not None and id(e) in p.target_leaves):
                run_vjp.add(node)
                break
        if node in run_vjp or node in p.target_nodes:
            visit.add(node)
    p.visit, p.run_vjp = visit, run_vjp


def _arrive(p: _Pass, node: Node, g: Tensor, retain_into_grad: bool) -> Tensor:
    """The gradient reaching ``node``'s output: through its tensor hooks, into ``.grad`` of
    a tensor that retains it, and captured when the output is a target."""
    if node.tensor_hooks:
        for hook in list(node.tensor_hooks.values()):
            r = hook(g)
            if r is not None:
                g = r
    if node.retained is not None and retain_into_grad:
        owner = node.retained()
        if owner is not None:
            owner.grad = _accumulate(owner.grad, g, False, p.create_graph)
    for target in p.target_nodes.get(node, ()):
        p.captured[id(target)] = (g, False)
    return g


def _propagate(p: _Pass, *, retain_graph: bool, retain_into_grad: bool) -> None:
    """Stage 3: each node, once all its gradient has arrived, calls its VJP and sends the
    results along its edges (reduced to each input's shape and dtype); without
    ``retain_graph`` it then frees what it saved."""
    anomaly = grad_mode._state.anomaly
    for node in p.order:
        if p.visit is not None and node not in p.visit:
            continue
        g = p.node_grads.pop(node, None)
        if g is not None:
            g = _arrive(p, node, g, retain_into_grad)
            if p.run_vjp is None or node in p.run_vjp:
                if node.released:
                    raise RuntimeError(
                        "trying to backward through the graph a second time: the values saved "
                        f"by {node.op.name} were freed by an earlier backward. Pass "
                        "retain_graph=True to the first backward (or grad) call if you need to "
                        "go through it again."
                    )
                node.check_versions()
                grads = _call_vjp(node, g, anomaly)
                shapes, dtypes = node.shapes, node.dtypes
                for i, (edge, gx) in enumerate(zip(node.edges, grads)):
                    if edge is None or gx is None:
                        continue
                    if not (
                        type(gx) is ENGINE.tensor
                        and gx.array.shape == shapes[i]
                        and gx.array.dtype == dtypes[i]
                    ):
                        gx = _fit(gx, node, i)
                    if anomaly:
                        _check_finite(node, g, gx, i)
                    p.add(edge, gx)
        if not retain_graph:
            node.release()


def _deliver(p: _Pass, targets: list[Tensor] | None, accumulate: bool) -> None:
    """Stage 4: sum each leaf's gradients, run its hooks, capture it, and with
    ``accumulate`` add it into ``.grad`` (of the targets only, when there are targets),
    then run its post-accumulate hooks."""
    for key, (leaf, parts) in p.leaf_grads.items():
        if targets is not None and key not in p.target_leaves:
            continue
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        owned = len(parts) > 1
        if leaf._hooks:
            for hook in list(leaf._hooks.values()):
                r = hook(total)
                if r is not None:
                    total, owned = r, False
        p.captured[key] = (total, owned)
        if accumulate:
            leaf.grad = _accumulate(leaf.grad, total, owned, p.create_graph, leaf.array)
            if leaf._post_accumulate_hooks:
                for post_hook in list(leaf._post_accumulate_hooks.values()):
                    post_hook(leaf)
    if accumulate and targets is not None:
        for t in targets:
            if t._node is not None and id(t) in p.captured:
                t.grad = _accumulate(t.grad, p.captured[id(t)][0], False, p.create_graph)


def _run(
    roots: list[Tensor],
    root_grads: list[Tensor],
    *,
    retain_graph: bool,
    create_graph: bool,
    targets: list[Tensor] | None,
    accumulate: bool,
) -> dict[int, tuple[Tensor, bool]]:
    """The backward pass, in four stages: seed, prune, propagate, deliver. Returns the
    summed gradient of each target, by ``id``, with whether it is freshly computed here
    (True) or may alias another tensor (False).

    With ``accumulate`` the gradients go into ``.grad`` (of all leaves when ``targets`` is
    None, else of the targets only); otherwise they are only returned.
    """
    p = _Pass(create_graph)
    _seed(p, roots, root_grads)
    if targets is not None:
        _prune(p, targets)
    with grad_mode.set_grad_enabled(create_graph):
        _propagate(p, retain_graph=retain_graph, retain_into_grad=accumulate and targets is None)
        _deliver(p, targets, accumulate)
    return p.captured


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: TensorLike | Sequence[TensorLike | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        The outputs to differentiate.
    grad_tensors : array_like or sequence, optional
        The gradient with respect to each output (of the output's shape); may be omitted
        for one-element outputs.
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``. Without it the
        values saved for the backward pass are freed and a second backward raises.
    create_graph : bool, default False
        Record the backward pass, for higher-order derivatives.
    inputs : Tensor or sequence of Tensor, optional
        Accumulate only into these tensors' ``.grad`` (leaves or intermediate results).

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
    >>> ag.backward((x * x).sum())
    >>> x.grad
    tensor([2., 4.])
    """
    outs = _as_list(tensors, "backward")
    gts = _cotangents(
        outs, grad_tensors, isinstance(tensors, ENGINE.tensor), "backward", "gradients"
    )
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(
                f"backward: output {i} (shape {t.shape}) does not require grad and has no "
                "grad_fn; did you compute it under no_grad, or from tensors without "
                "requires_grad=True?"
            )
    root_grads = [_root_grad(t, g, "backward") for t, g in zip(outs, gts)]
    targets = None if inputs is None else _as_list(inputs, "backward")
    if targets is not None:
        if not targets:
            raise RuntimeError("backward: inputs=[] is empty; pass None to use every leaf")
        for i, t in enumerate(targets):
            if not t.requires_grad:
                raise RuntimeError(f"backward: inputs[{i}] (shape {t.shape}) does not require grad")
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
        One gradient per input, of the input's shape (a tuple even for one input).

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor(3.0, requires_grad=True)
    >>> (dx,) = ag.grad(x**3, x, create_graph=True)
    >>> (dxx,) = ag.grad(dx, x)
    >>> float(dx), float(dxx)
    (27.0, 18.0)
    """
    outs = _as_list(outputs, "grad")
    ins = _as_list(inputs, "grad")
    gos = _cotangents(
        outs, grad_outputs, isinstance(outputs, ENGINE.tensor), "grad", "grad_outputs"
    )
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
        entry = captured.get(id(t))
        if entry is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(_owned(entry[0], entry[1], create_graph))
    return tuple(result)
