"""Speed of the fused nn.functional kernels: batch_norm in training, cross_entropy, and the
embedding gradient, each beside its composed (oracle) version and, when importable, PyTorch
on the same data in the same process.

Run::

    python benchmarks/nn_losses.py                        # autograd_np only
    /work/venv-torch/bin/python benchmarks/nn_losses.py   # with PyTorch beside it

Options: ``--repeats`` (best of, default 5), ``--threads`` (PyTorch intra-op threads,
default 1: numpy's elementwise work is single-threaded), ``--only`` (a substring of the
case names to run).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.nn.functional.batchnorm import batch_norm_composed
from autograd_np.nn.functional.classification_loss import cross_entropy_composed

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


def _best(fn: Callable[[], Any], repeats: int) -> float:
    """The smallest wall time of ``repeats`` calls (seconds), garbage collector off."""
    fn()  # warm up
    times = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def _report(name: str, ours: float, others: dict[str, float]) -> None:
    parts = [f"{name:44s} autograd_np {ours * 1e3:8.2f} ms"]
    for label, t in others.items():
        parts.append(f"{label} {t * 1e3:8.2f} ms (x{ours / t:4.2f})")
    print("   ".join(parts))


# ---------------------------------------------------------------------- batch norm
def bench_batch_norm(repeats: int, shape: tuple[int, ...] = (128, 64, 32, 32)) -> None:
    rng = np.random.default_rng(0)
    xd = rng.standard_normal(shape, dtype=np.float32)
    gd = rng.standard_normal(shape, dtype=np.float32)
    c = shape[1]
    x = ag.Tensor(xd, requires_grad=True)
    w = ag.Tensor(np.ones(c, np.float32), requires_grad=True)
    b = ag.Tensor(np.zeros(c, np.float32), requires_grad=True)
    rm, rv = ag.zeros(c), ag.ones(c)
    g = ag.Tensor(gd)

    def step(fn: Callable[..., ag.Tensor]) -> Callable[[], None]:
        def run() -> None:
            x.grad = w.grad = b.grad = None
            fn(x, rm, rv, w, b, training=True).backward(g)

        return run

    def forward() -> None:
        with ag.no_grad():
            F.batch_norm(x, rm, rv, w, b, training=True)

    ours = _best(step(F.batch_norm), repeats)
    others = {"composed": _best(step(batch_norm_composed), repeats)}
    if torch is not None:
        xt = torch.tensor(xd, requires_grad=True)
        wt = torch.ones(c, requires_grad=True)
        bt = torch.zeros(c, requires_grad=True)
        rmt, rvt, gt = torch.zeros(c), torch.ones(c), torch.tensor(gd)

        def torch_step() -> None:
            xt.grad = wt.grad = bt.grad = None
            TF.batch_norm(xt, rmt, rvt, wt, bt, training=True).backward(gt)

        others["torch"] = _best(torch_step, repeats)
    _report(f"batch_norm train fwd+bwd {shape} f32", ours, others)
    _report(f"batch_norm train fwd only {shape} f32", _best(forward, repeats), {})


# ---------------------------------------------------------------------- cross entropy
def bench_cross_entropy(repeats: int, n: int, c: int, smoothing: float) -> None:
    rng = np.random.default_rng(1)
    xd = rng.standard_normal((n, c), dtype=np.float32)
    target = rng.integers(0, c, n)
    x = ag.Tensor(xd, requires_grad=True)

    def step(fn: Callable[..., ag.Tensor]) -> Callable[[], None]:
        def run() -> None:
            x.grad = None
            fn(x, target, label_smoothing=smoothing).backward()

        return run

    ours = _best(step(F.cross_entropy), repeats)
    others = {"composed": _best(step(cross_entropy_composed), repeats)}
    if torch is not None:
        xt = torch.tensor(xd, requires_grad=True)
        tt = torch.tensor(target)

        def torch_step() -> None:
            xt.grad = None
            TF.cross_entropy(xt, tt, label_smoothing=smoothing).backward()

        others["torch"] = _best(torch_step, repeats)
    _report(f"cross_entropy fwd+bwd ({n}, {c}) ls={smoothing} f32", ours, others)


# ---------------------------------------------------------------------- embedding
def bench_embedding(repeats: int, v: int, n: int, d: int) -> None:
    rng = np.random.default_rng(2)
    wd = rng.standard_normal((v, d), dtype=np.float32)
    idx = rng.integers(0, v, n)
    gd = rng.standard_normal((n, d), dtype=np.float32)
    w = ag.Tensor(wd, requires_grad=True)
    g = ag.Tensor(gd)

    def ours_step() -> None:
        w.grad = None
        F.embedding(idx, w).backward(g)

    def add_at() -> None:
        out = np.zeros((v, d), np.float32)
        np.add.at(out, idx, gd)

    others = {"np.add.at alone": _best(add_at, repeats)}
    if torch is not None:
        wt = torch.tensor(wd, requires_grad=True)
        it, gt = torch.tensor(idx), torch.tensor(gd)

        def torch_step() -> None:
            wt.grad = None
            TF.embedding(it, wt).backward(gt)

        others["torch"] = _best(torch_step, repeats)
    _report(f"embedding fwd+bwd V={v} n={n} D={d} f32", _best(ours_step, repeats), others)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(args.threads)
        print(f"PyTorch {torch.__version__}, {args.threads} thread(s); numpy {np.__version__}")
    else:
        print(f"PyTorch not importable; numpy {np.__version__}")
    cases: dict[str, Callable[[], None]] = {
        "batch_norm": lambda: bench_batch_norm(args.repeats),
        "cross_entropy_small_c": lambda: bench_cross_entropy(args.repeats, 8192, 10, 0.0),
        "cross_entropy_large_c": lambda: bench_cross_entropy(args.repeats, 512, 10000, 0.1),
        "embedding_small_v": lambda: bench_embedding(args.repeats, 50, 4096, 256),
        "embedding_large_v": lambda: bench_embedding(args.repeats, 30000, 16384, 128),
    }
    for name, run in cases.items():
        if args.only in name:
            run()


if __name__ == "__main__":
    main()
