"""Gradient checks against finite differences, in float64, with random cotangents.

``gradcheck`` compares the engine's vector-Jacobian products with central differences:
the full Jacobian when it is small, else random projections ``<u, J v>`` against
``<J^T u, v>``, whose cost does not grow with the input size. ``gradgradcheck`` applies the
same check to the VJP itself, which tests second-order derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import grad
from autograd_np.autograd.grad_mode import no_grad
from autograd_np.tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with finite differences."""


def _outputs(result: Any) -> list[Tensor]:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [t for t in items if isinstance(t, Tensor) and t.dtype.kind == "f"]


def _prepare(inputs: Sequence[Any]) -> tuple[list[Any], list[int]]:
    """Turn float arrays into float64 leaves that require grad; return them and the indices
    of the differentiated inputs."""
    args: list[Any] = []
    diff: list[int] = []
    for i, a in enumerate(inputs):
        if isinstance(a, Tensor):
            if a.requires_grad:
                if a.dtype != np.float64:
                    raise ValueError(
                        f"gradcheck: input {i} has dtype {a.dtype}; finite differences need "
                        "float64 inputs"
                    )
                diff.append(i)
            args.append(a)
        elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
            args.append(Tensor(a.astype(np.float64), requires_grad=True))
            diff.append(i)
        else:
            args.append(a)
    if not diff:
        raise ValueError("gradcheck: no input requires grad (give float arrays or tensors)")
    return args, diff


def _analytic(
    fn: Callable[..., Any], args: list[Any], diff: list[int], cotangents: list[np.ndarray]
) -> list[np.ndarray]:
    """J^T u for each differentiated input (zeros where an input is unused)."""
    outs = _outputs(fn(*args))
    pairs = [(o, u) for o, u in zip(outs, cotangents) if o.requires_grad]
    zeros = [np.zeros_like(args[i].array) for i in diff]
    if not pairs:
        return zeros
    grads = grad(
        [o for o, _ in pairs],
        [args[i] for i in diff],
        grad_outputs=[Tensor(u.astype(o.dtype)) for o, u in pairs],
        allow_unused=True,
    )
    result = []
    for z, g, i in zip(zeros, grads, diff):
        if g is None:
            result.append(z)
            continue
        if g.shape != args[i].shape or g.dtype != args[i].dtype:
            raise GradcheckError(
                f"gradient of input {i} has shape {g.shape} and dtype {g.dtype}; expected "
                f"{args[i].shape} and {args[i].dtype}"
            )
        result.append(g.array)
    return result


def _call_flat(
    fn: Callable[..., Any], args: list[Any], index: int, value: np.ndarray
) -> np.ndarray:
    """All float outputs of ``fn``, flattened and joined, with input ``index`` replaced.

    Grad mode stays on: ``fn`` may itself differentiate (as in :func:`gradgradcheck`).
    """
    call = list(args)
    call[index] = Tensor(value, requires_grad=True)
    outs = _outputs(fn(*call))
    if not outs:
        return np.zeros(0)
    return np.concatenate([o.array.astype(np.float64).reshape(-1) for o in outs])


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int | np.random.Generator = 0,
    full_jacobian_max: int = 4096,
    n_projections: int = 3,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s vector-Jacobian products against central finite differences.

    Every float input (a float array, or a float64 tensor with ``requires_grad``) is
    checked, in two ways:

    * a random cotangent ``u`` is drawn for the outputs (never ``ones``, which would hide
      errors that cancel in a sum) and ``<J^T u, v>`` from backward is compared with the
      central difference ``<u, J v>`` along ``n_projections`` random directions ``v``,
      so the cost does not grow with the input size;
    * when the Jacobian of an input has at most ``full_jacobian_max`` entries, the whole
      Jacobian is built both ways (one backward per output element, two forwards per input
      element) and compared entry by entry.

    Parameters
    ----------
    fn : callable
        Takes the inputs (Tensors where arrays were given) and returns a Tensor or a tuple of
        Tensors.
    inputs : sequence
        Float arrays or float64 tensors are differentiated; anything else is passed as is.
    eps : float
        Finite-difference step.
    atol, rtol : float
        Tolerances: ``|analytic - numeric| <= atol + rtol * |numeric|`` (for projections
        ``atol`` is scaled by the square root of the input size).
    seed : int or Generator
        For the cotangents and directions.
    full_jacobian_max : int
        Largest Jacobian (outputs times input elements) compared in full.
    n_projections : int
        Random directions per input.
    raise_exception : bool
        Raise :class:`GradcheckError` on failure (else return False).

    Returns
    -------
    bool
        True when every check passes.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> from autograd_np.testing import gradcheck
    >>> gradcheck(lambda x: ag.tanh(x) * x, [np.linspace(-1, 1, 5)])
    True
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    args, diff = _prepare(inputs)
    with no_grad():
        outs = _outputs(fn(*args))
    if not outs:
        raise ValueError(
            "gradcheck: fn returned no floating-point Tensor (it must return a Tensor or a "
            "tuple of Tensors)"
        )
    cotangents = [rng.standard_normal(o.shape) for o in outs]
    u_flat = np.concatenate([u.reshape(-1) for u in cotangents]) if cotangents else np.zeros(0)
    analytic = _analytic(fn, args, diff, cotangents)
    n_out = u_flat.size
    for i, a in zip(diff, analytic):
        x = args[i].array.astype(np.float64)
        for _ in range(n_projections):
            v = rng.standard_normal(x.shape)
            numeric_dir = float(
                u_flat
                @ (_call_flat(fn, args, i, x + eps * v) - _call_flat(fn, args, i, x - eps * v))
            ) / (2 * eps)
            analytic_dir = float(np.sum(a * v))
            tol = atol * np.sqrt(max(x.size, 1)) + rtol * abs(numeric_dir)
            if abs(analytic_dir - numeric_dir) > tol:
                return _fail(
                    f"gradient of input {i} (shape {x.shape}) disagrees with finite differences "
                    f"along a random direction: <J^T u, v> = {analytic_dir:.10g}, "
                    f"<u, J v> = {numeric_dir:.10g}",
                    raise_exception,
                )
        if n_out * x.size > full_jacobian_max or n_out == 0:
            continue
        numeric = np.empty((n_out, x.size))
        flat = x.reshape(-1)
        for k in range(x.size):
            plus, minus = flat.copy(), flat.copy()
            plus[k] += eps
            minus[k] -= eps
            numeric[:, k] = (
                _call_flat(fn, args, i, plus.reshape(x.shape))
                - _call_flat(fn, args, i, minus.reshape(x.shape))
            ) / (2 * eps)
        exact = np.empty((n_out, x.size))
        for r in range(n_out):
            basis = np.zeros(n_out)
            basis[r] = 1.0
            parts, start = [], 0
            for u in cotangents:
                parts.append(basis[start : start + u.size].reshape(u.shape))
                start += u.size
            exact[r] = _analytic(fn, args, [i], parts)[0].reshape(-1)
        bad = np.abs(exact - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            r, k = (
                int(i)
                for i in np.unravel_index(int(np.argmax(np.abs(exact - numeric) * bad)), bad.shape)
            )
            return _fail(
                f"Jacobian of the outputs with respect to input {i} (shape {x.shape}) disagrees "
                f"with finite differences at {int(bad.sum())} of {bad.size} entries; worst at "
                f"output element {r}, input element {k}: analytic {exact[r, k]:.8g}, numeric "
                f"{numeric[r, k]:.8g}\nanalytic:\n{exact}\nnumeric:\n{numeric}",
                raise_exception,
            )
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int | np.random.Generator = 0,
    full_jacobian_max: int = 4096,
    n_projections: int = 3,
    raise_exception: bool = True,
) -> bool:
    """Check second-order derivatives: :func:`gradcheck` of the map
    ``(x, u) -> J(x)^T u``, computed with ``create_graph=True``.

    Takes the same arguments as :func:`gradcheck`. A random cotangent ``u`` is drawn for
    each output and differentiated too, so this checks the VJP of the VJP for every input.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    args, diff = _prepare(inputs)
    with no_grad():
        outs = _outputs(fn(*args))
    cotangents = [rng.standard_normal(o.shape) for o in outs]
    n = len(args)

    def first_order(*call: Any) -> tuple[Tensor, ...]:
        xs = list(call[:n])
        us = call[n:]
        result = _outputs(fn(*xs))
        pairs = [(o, u) for o, u in zip(result, us) if o.requires_grad]
        targets = [xs[i] for i in diff]
        if not pairs:
            return tuple(Tensor(np.zeros_like(t.array)) for t in targets)
        grads = grad(
            [o for o, _ in pairs],
            targets,
            grad_outputs=[u for _, u in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(
            g if g is not None else Tensor(np.zeros_like(t.array)) for g, t in zip(grads, targets)
        )

    return gradcheck(
        first_order,
        [*args, *cotangents],
        eps=eps,
        atol=atol,
        rtol=rtol,
        seed=rng,
        full_jacobian_max=full_jacobian_max,
        n_projections=n_projections,
        raise_exception=raise_exception,
    )
