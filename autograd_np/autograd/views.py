"""Tensors that share values, and recorded in-place changes through them.

An op whose numpy forward returns a view of its input (basic indexing, ``reshape``,
``transpose``...) gives its output the input's :class:`Version`: one in-place counter for
all the tensors sharing those values (a *family*), as PyTorch's views share their base's.
The view also remembers its parent and the op that made it (``Tensor._view_of``), which is
what lets an in-place change in grad mode go through it as it does in PyTorch:

    y = x * 2
    y[0:2] += w          # y[0:2] is a view of y: y's graph now includes w

:func:`record_family_change` records the change on the family's root (the tensor the views
descend from) -- ``root_new = root + V^T (new - old)``, ``V^T`` the chain of the views' VJPs
from the changed tensor up to the root, which scatters the change into the root's shape --
and then gives every live view of the family a new node that takes it from its parent
again, root first. Gradients then reach ``w`` through every tensor that sees its values,
and the old values of the root only where they survive.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from autograd_np.autograd import grad_mode
from autograd_np.autograd.backward import sum_to_shape
from autograd_np.autograd.graph import ENGINE, Node

if TYPE_CHECKING:
    from autograd_np.autograd.primitive import Primitive
    from autograd_np.tensor import Tensor

__all__ = ["Version", "record_family_change", "register_view"]


class Version:
    """A counter of in-place changes, shared by a tensor and the tensors that alias it.

    ``has_views`` is set once an op returned a view of the values; ``views`` holds weak
    references to those views, in creation order (parents before their own views);
    ``untracked`` is set when a view came from an op with several tensor inputs, which
    cannot be replayed from one parent (a recorded in-place change is then refused).
    """

    __slots__ = ("_prune_at", "has_views", "untracked", "value", "views")

    def __init__(self) -> None:
        # every tensor has one: only what every tensor needs is set here (views come later)
        self.value = 0
        self.has_views = False
        self.untracked = False
        self.views: list[weakref.ref[Tensor]] | None = None  # made on the first view
        self._prune_at = 16

    def add_view(self, view: Tensor) -> None:
        """Remember ``view``; dead references are dropped now and then (amortised O(1))."""
        if self.views is None:
            self.views = []
        self.views.append(weakref.ref(view))
        if len(self.views) > self._prune_at:
            self.views = [r for r in self.views if r() is not None]
            self._prune_at = max(16, 2 * len(self.views))

    def live_views(self) -> Iterator[Tensor]:
        """The views still alive, in creation order."""
        for ref in self.views or ():
            view = ref()
            if view is not None:
                yield view


def register_view(
    result: Tensor, parent: Tensor, op: Primitive, kwargs: dict[str, Any], *, replayable: bool
) -> None:
    """Make ``result``, whose values are a view of ``parent``'s, a member of its family.

    ``replayable``: whether ``op(parent, **kwargs)`` alone recreates the view (the op has
    one tensor input).
    """
    box = parent._version_box
    result._version_box = box
    box.has_views = True
    if replayable:
        result._view_of = (parent, op, kwargs)
        box.add_view(result)
    else:
        box.untracked = True


def record_family_change(
    t: Tensor,
    name: str,
    compute: Callable[[Tensor], Tensor],
    write: Callable[[Tensor], object],
) -> None:
    """Record an in-place change of ``t``, alone or in a family of tensors sharing its
    values (alone, ``t`` is its own root and there is no view to replay).

    ``compute(old)`` returns the new value of ``t`` from a tensor standing for its old one;
    ``write(new)`` stores it into ``t``'s memory (and bumps the family's version). Raises
    ``RuntimeError`` when the family cannot be followed (see :class:`Version`) or descends
    from a leaf that requires grad.
    """
    add, subtract, tensor = ENGINE.add, ENGINE.subtract, ENGINE.tensor
    box = t._version_box
    if box.untracked:
        raise RuntimeError(
            f"{name}: this tensor shares its values with a view made by an op of several "
            "tensors, and grad mode is on: the graph of that view could not follow a recorded "
            "in-place change. Use an out-of-place op (x = x + y), or clone() first"
        )
    chain = [t]  # t, its parent, ..., the root
    while chain[-1]._view_of is not None:
        chain.append(chain[-1]._view_of[0])
    root = chain[-1]
    if root._node is None and root._leaf_requires_grad:
        raise RuntimeError(
            f"{name}: this tensor {'is a view of' if len(chain) > 1 else 'has views of'} a "
            "leaf tensor that requires grad, and grad mode is on; change the leaf under "
            "`with no_grad():`, or use an out-of-place op"
        )
    old = tensor.from_array(t.array, t._node)
    old._version_box = box
    new = compute(old)
    if len(chain) == 1:
        root_new = new
    else:
        # root_new = root + V^T (new - old): the change, scattered up the chain of views
        delta = subtract(new, old)  # before the write, while t's memory holds the old values
        for child, parent in itertools.pairwise(chain):
            assert child._view_of is not None
            _, op, kwargs = child._view_of
            delta = _scatter(op, delta, child, parent, kwargs)
        root_new = add(tensor.from_array(root.array, root._node), delta)
    write(new)
    node = root_new._node
    if node is not None:
        root._adopt(node)
    enabled = grad_mode._state.grad_enabled
    for view in list(box.live_views()):
        _replay(view, enabled)


def _scatter(
    op: Primitive, delta: Tensor, child: Tensor, parent: Tensor, kwargs: dict[str, Any]
) -> Tensor:
    """``V^T delta``: a change of the view ``child`` as a change of its ``parent`` (the VJP
    of the op that made the view, zeros elsewhere)."""
    tensor = ENGINE.tensor
    assert op.vjp is not None
    out = op.vjp(delta, tensor.from_array(child.array), tensor.from_array(parent.array), **kwargs)
    g = out[0] if isinstance(out, tuple) else out
    if g.shape != parent.shape:
        fitted = sum_to_shape(g, parent.shape)
        assert fitted is not None, "a view's VJP returned a gradient of the wrong shape"
        g = fitted
    return g


def _replay(view: Tensor, enabled: bool) -> None:
    """Give ``view`` a node that takes it from its parent's current node again."""
    assert view._view_of is not None
    parent, op, kwargs = view._view_of
    if view._leaf_requires_grad:
        return  # made a leaf by requires_grad_() on a view outside the graph: it stays one
    if not (enabled and parent.requires_grad):
        return
    view._adopt(Node(op, (parent,), kwargs, view.array))
