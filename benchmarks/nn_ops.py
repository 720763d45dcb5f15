"""Speed of the fused nn ops: conv2d, max_pool2d and batch_norm, forward and forward+backward.

The shapes are those of a small CIFAR-sized CNN at batch 128, in float32. When PyTorch is
importable the same ops run in the same process with the same number of threads as
numpy's BLAS, and the table shows the ratio ours / torch (lower is better; 1.0 is parity).
Each figure is the median of ``--repeats`` timings after a warm-up round; each library
runs its repeats back to back, one case at a time (see :func:`measure`).

Run::

    python benchmarks/nn_ops.py                        # autograd_np only
    /work/venv-torch/bin/python benchmarks/nn_ops.py   # with PyTorch beside it

Options: ``--repeats`` (default 7), ``--only`` (substring filter on the case names),
``--batch`` (default 128), ``--stat min`` (report the fastest repeat instead of the median:
on a machine shared with other jobs the median moves with their load).

The convolutions spend most of their time in sgemm, so OpenBLAS's kernel choice matters:
on an AVX-512 CPU its Haswell (AVX2) kernels -- what ``OPENBLAS_CORETYPE=Haswell`` forces,
and what it picks by itself on AMD Zen 4 -- reach about half the throughput of its
SkylakeX (AVX-512) ones (``OPENBLAS_CORETYPE=SkylakeX``, read when numpy loads), while
PyTorch's oneDNN uses AVX-512 either way. The header shows the variable when it is set.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from _common import blas_threads

import autograd_np as ag
import autograd_np.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - depends on the environment
    torch = None
    TF = None


@dataclass
class Case:
    """One benchmarked op: the arrays it needs and how to call it in each library."""

    name: str
    arrays: dict[str, np.ndarray]
    grads: tuple[str, ...]  # the arrays that require grad
    ours: Callable[[dict[str, Any]], Any]
    theirs: Callable[[dict[str, Any]], Any]


def conv_call(functional: Any, pad: int) -> Callable[[dict[str, Any]], Any]:
    """``functional.conv2d`` (ours or torch's) on a case's arrays with this padding."""
    return lambda a: functional.conv2d(a["x"], a["w"], a["b"], padding=pad)


def _cases(batch: int, rng: np.random.Generator) -> list[Case]:
    def randn(*shape: int, scale: float = 1.0) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    cases = []
    for c_in, c_out, size, k, pad in [
        (3, 32, 32, 3, 1),
        (32, 32, 32, 3, 1),
        (32, 64, 32, 3, 1),
        (64, 64, 16, 3, 1),
        (128, 128, 8, 3, 1),
        (64, 64, 32, 1, 0),
    ]:
        arrays = {
            "x": randn(batch, c_in, size, size),
            "w": randn(c_out, c_in, k, k, scale=(c_in * k * k) ** -0.5),
            "b": randn(c_out),
        }
        cases.append(
            Case(
                f"conv2d {c_in}->{c_out} {size}x{size} k{k} p{pad}",
                arrays,
                ("x", "w", "b"),
                conv_call(F, pad),
                conv_call(TF, pad),
            )
        )
    cases.append(
        Case(
            "max_pool2d 2x2 s2 64x32x32",
            {"x": randn(batch, 64, 32, 32)},
            ("x",),
            lambda a: F.max_pool2d(a["x"], 2),
            lambda a: TF.max_pool2d(a["x"], 2),
        )
    )
    channels = 64
    bn = {
        "x": randn(batch, channels, 32, 32),
        "weight": randn(channels) + 1,
        "bias": randn(channels),
        "running_mean": np.zeros(channels, dtype=np.float32),
        "running_var": np.ones(channels, dtype=np.float32),
    }
    cases.append(
        Case(
            "batch_norm train 64x32x32",
            bn,
            ("x", "weight", "bias"),
            lambda a: F.batch_norm(
                a["x"], a["running_mean"], a["running_var"], a["weight"], a["bias"], training=True
            ),
            lambda a: TF.batch_norm(
                a["x"], a["running_mean"], a["running_var"], a["weight"], a["bias"], training=True
            ),
        )
    )
    return cases


def _time_ms(fn: Callable[[], None]) -> float:
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e3
    finally:
        gc.enable()


def _ours(case: Case) -> tuple[Callable[[], None], Callable[[], None]]:
    """The forward (no grad) and forward+backward calls of autograd_np."""
    leaves = {k: ag.tensor(v.copy(), requires_grad=k in case.grads) for k, v in case.arrays.items()}
    with ag.no_grad():
        out_shape = case.ours(leaves).shape
    g = ag.tensor(np.random.default_rng(1).standard_normal(out_shape).astype(np.float32))

    def forward() -> None:
        with ag.no_grad():
            case.ours(leaves)

    def forward_backward() -> None:
        for k in case.grads:
            leaves[k].grad = None
        case.ours(leaves).backward(g)

    return forward, forward_backward


def _theirs(case: Case) -> tuple[Callable[[], None], Callable[[], None]]:
    """The same two calls in PyTorch."""
    assert torch is not None
    leaves = {
        k: torch.tensor(v.copy(), requires_grad=k in case.grads) for k, v in case.arrays.items()
    }
    with torch.no_grad():
        out_shape = case.theirs(leaves).shape
    g = torch.tensor(np.random.default_rng(1).standard_normal(out_shape).astype(np.float32))

    def forward() -> None:
        with torch.no_grad():
            case.theirs(leaves)

    def forward_backward() -> None:
        for k in case.grads:
            leaves[k].grad = None
        case.theirs(leaves).backward(g)

    return forward, forward_backward


def measure(
    case: Case, repeats: int, with_torch: bool, pause: float = 0.5, stat: str = "median"
) -> list[float]:
    """Milliseconds (the median, or the minimum with ``stat="min"``): [fwd, f+b] for
    autograd_np, then for torch when asked.

    Each library runs its repeats back to back, as a training loop would, after a warm-up
    round. Between the libraries the process sleeps ``pause`` seconds, so the threads of
    OpenBLAS and of PyTorch's OpenMP pool, which spin for a while after their work, do not
    slow the other library down; the warm-up that follows absorbs the cost of waking up
    (on some virtual machines, memory freed before a pause faults in slowly afterwards).
    """
    groups = [list(_ours(case))]
    if with_torch:
        groups.append(list(_theirs(case)))
    result: list[float] = []
    reduce = min if stat == "min" else statistics.median
    for calls in groups:
        time.sleep(pause)
        for fn in calls:  # warm-up
            fn()
        times: list[list[float]] = [[] for _ in calls]
        for _ in range(repeats):
            for k, fn in enumerate(calls):
                times[k].append(_time_ms(fn))
        result += [reduce(t) for t in times]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument(
        "--stat",
        choices=["median", "min"],
        default="median",
        help="median (default) or minimum over the repeats (less sensitive to other load)",
    )
    args = parser.parse_args(argv)

    threads = blas_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    print(
        f"batch {args.batch}, float32, {threads} threads, {args.stat} of {args.repeats}; "
        + (f"torch {torch.__version__}" if torch is not None else "torch not importable")
        + (f"; OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}"
           if "OPENBLAS_CORETYPE" in os.environ else "")
    )  # fmt: skip
    header = f"{'op':<34} {'fwd ms':>8} {'f+b ms':>8}"
    if torch is not None:
        header += f" {'torch fwd':>9} {'torch f+b':>9} {'fwd x':>6} {'f+b x':>6}"
    print(header)
    print("-" * len(header))
    for case in _cases(args.batch, np.random.default_rng(0)):
        if args.only not in case.name:
            continue
        result = measure(case, args.repeats, torch is not None, stat=args.stat)
        fwd, fb = result[:2]
        line = f"{case.name:<34} {fwd:8.1f} {fb:8.1f}"
        if torch is not None:
            t_fwd, t_fb = result[2:]
            line += f" {t_fwd:9.1f} {t_fb:9.1f} {fwd / t_fwd:6.2f} {fb / t_fb:6.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
