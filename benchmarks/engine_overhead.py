"""Per-op overhead of the engine: forward and backward through a long chain of tiny ops.

With 1- or 10-element tensors the numpy work is negligible, so the time per op is the
engine's bookkeeping: argument handling, graph recording, the topological sort and the
VJP dispatch. When PyTorch is importable its figure is measured in the same process, on the
same chain, for comparison.

Run::

    python benchmarks/engine_overhead.py                        # autograd_np only
    /work/venv-torch/bin/python benchmarks/engine_overhead.py   # with PyTorch beside it

Options: ``--ops`` (chain length, default 10,000), ``--repeats`` (best of, default 5),
``--profile`` (print a cProfile of one forward + backward instead).

Times are CPU time of this process (``time.process_time``), best of the repeats with the
garbage collector off: on a shared machine that is far steadier than wall time, and both
libraries run single-threaded here.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_np as ag

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


_clock = time.process_time


def _chain(x: Any, c: Any, d: Any, n_ops: int) -> Any:
    """``n_ops`` elementwise ops: alternately ``y * c`` and ``y + d`` (tensor constants),
    with a ``tanh`` every tenth op so that not every op is arithmetic."""
    y = x
    for i in range(n_ops):
        if i % 10 == 9:
            y = y.tanh()
        elif i % 2 == 0:
            y = y * c
        else:
            y = y + d
    return y


def _best(fn: Callable[[], float], repeats: int) -> float:
    """The smallest of ``repeats`` timings (seconds), with the garbage collector off."""
    times = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            times.append(fn())
        finally:
            gc.enable()
    return min(times)


def measure_autograd_np(size: int, n_ops: int, repeats: int) -> dict[str, float]:
    """Microseconds per op for autograd_np: forward recorded, backward, and no-grad forward."""
    rng = np.random.default_rng(0)
    c = ag.tensor(np.full(size, 0.999, dtype=np.float32))
    d = ag.tensor(rng.standard_normal(size).astype(np.float32) * 1e-3)
    x0 = rng.standard_normal(size).astype(np.float32)
    fwd_times: list[float] = []

    def fwd_bwd() -> float:
        x = ag.tensor(x0, requires_grad=True)
        t0 = _clock()
        y = _chain(x, c, d, n_ops).sum()
        t1 = _clock()
        y.backward()
        t2 = _clock()
        fwd_times.append(t1 - t0)
        return t2 - t1

    bwd = _best(fwd_bwd, repeats)
    fwd = min(fwd_times)

    def no_grad_fwd() -> float:
        x = ag.tensor(x0, requires_grad=True)
        with ag.no_grad():
            t0 = _clock()
            _chain(x, c, d, n_ops)
            return _clock() - t0

    nograd = _best(no_grad_fwd, repeats)
    scale = 1e6 / n_ops
    return {
        "forward": fwd * scale,
        "backward": bwd * scale,
        "total": (fwd + bwd) * scale,
        "no_grad forward": nograd * scale,
    }


def measure_numpy(size: int, n_ops: int, repeats: int) -> float:
    """Microseconds per op for the same chain in bare numpy (the floor)."""
    rng = np.random.default_rng(0)
    c = np.full(size, 0.999, dtype=np.float32)
    d = rng.standard_normal(size).astype(np.float32) * 1e-3
    x0 = rng.standard_normal(size).astype(np.float32)

    def run() -> float:
        y = x0
        t0 = _clock()
        for i in range(n_ops):
            if i % 10 == 9:
                y = np.tanh(y)
            elif i % 2 == 0:
                y = y * c
            else:
                y = y + d
        return _clock() - t0

    return _best(run, repeats) * 1e6 / n_ops


def measure_torch(size: int, n_ops: int, repeats: int) -> dict[str, float]:
    """Microseconds per op for PyTorch on the same chain (one thread, CPU)."""
    assert torch is not None
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    c = torch.tensor(np.full(size, 0.999, dtype=np.float32))
    d = torch.tensor(rng.standard_normal(size).astype(np.float32) * 1e-3)
    x0 = rng.standard_normal(size).astype(np.float32)
    fwd_times: list[float] = []

    def fwd_bwd() -> float:
        x = torch.tensor(x0, requires_grad=True)
        t0 = _clock()
        y = _chain(x, c, d, n_ops).sum()
        t1 = _clock()
        y.backward()
        t2 = _clock()
        fwd_times.append(t1 - t0)
        return t2 - t1

    bwd = _best(fwd_bwd, repeats)
    fwd = min(fwd_times)

    def no_grad_fwd() -> float:
        x = torch.tensor(x0)
        with torch.no_grad():
            t0 = _clock()
            _chain(x, c, d, n_ops)
            return _clock() - t0

    nograd = _best(no_grad_fwd, repeats)
    scale = 1e6 / n_ops
    return {
        "forward": fwd * scale,
        "backward": bwd * scale,
        "total": (fwd + bwd) * scale,
        "no_grad forward": nograd * scale,
    }


def profile(size: int, n_ops: int) -> None:
    """Print the cProfile of one recorded forward and backward of the chain."""
    c = ag.tensor(np.full(size, 0.999, dtype=np.float32))
    d = ag.tensor(np.full(size, 1e-3, dtype=np.float32))
    x = ag.tensor(np.ones(size, dtype=np.float32), requires_grad=True)
    prof = cProfile.Profile()
    prof.enable()
    _chain(x, c, d, n_ops).sum().backward()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=10_000, help="chain length")
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    parser.add_argument("--profile", action="store_true", help="print a cProfile instead")
    args = parser.parse_args()
    if args.profile:
        profile(10, args.ops)
        return

    print(f"chain of {args.ops:,} elementwise ops; microseconds per op, best of {args.repeats}")
    header = f"{'':<12}{'size':>5}  {'forward':>9}{'backward':>10}{'total':>9}{'no_grad fwd':>13}"
    print(header)
    print("-" * len(header))
    measure_autograd_np(10, min(args.ops, 1000), 1)  # warm up caches and lazy imports
    for size in (1, 10):
        rows = [("autograd_np", measure_autograd_np(size, args.ops, args.repeats))]
        if torch is not None:
            rows.append(
                (
                    f"torch {torch.__version__.split('+')[0]}",
                    measure_torch(size, args.ops, args.repeats),
                )
            )
        for name, r in rows:
            print(
                f"{name:<12}{size:>5}  {r['forward']:>9.2f}{r['backward']:>10.2f}"
                f"{r['total']:>9.2f}{r['no_grad forward']:>13.2f}"
            )
        floor = measure_numpy(size, args.ops, args.repeats)
        print(f"{'numpy':<12}{size:>5}  {'':>28}{floor:>13.2f}")
    if torch is None:
        print("(PyTorch is not importable here: run with /work/venv-torch/bin/python to compare)")
    elif len(rows) == 2:
        a, t = rows[0][1]["total"], rows[1][1]["total"]
        print(f"autograd_np / torch (forward + backward, size 10): {a / t:.1f}x")


if __name__ == "__main__":
    main()
