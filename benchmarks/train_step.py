"""Milliseconds per training step (forward, cross-entropy, backward, Adam step), float32,
for four fixed models, side by side with PyTorch CPU when it is importable.

Run::

    python benchmarks/train_step.py                 # autograd_np only
    /path/to/venv-with-torch/bin/python benchmarks/train_step.py   # with the ratio to PyTorch
    python benchmarks/train_step.py --memory        # peak RSS over 100 vgg steps

Both frameworks build the same architecture from the same code (the APIs match), start from
the same weights (copied through ``state_dict``) and run on the same batch, with the same
number of threads. Times are medians over repeated steps after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn as ag_nn
import autograd_np.nn.functional as ag_F
import autograd_np.optim as ag_optim

MODELS = ("mlp", "lenet", "seedcnn", "vgg")
INPUT_SHAPES = {
    "mlp": (1, 28, 28),
    "lenet": (1, 28, 28),
    "seedcnn": (1, 28, 28),
    "vgg": (3, 32, 32),
}


def build(nn: Any, name: str) -> Any:
    """The model ``name`` from a PyTorch-compatible ``nn`` namespace (ours or torch's)."""
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 256),
            nn.ReLU(),
            nn.Linear(256, 256),
            nn.ReLU(),
            nn.Linear(256, 10),
        )
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
    if name == "seedcnn":
        return nn.Sequential(
            nn.Conv2d(1, 12, 3, 2, 1, bias=False),
            nn.BatchNorm2d(12),
            nn.ReLU(),
            nn.Conv2d(12, 24, 3, 2, 1, bias=False),
            nn.BatchNorm2d(24),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(1176, 10),
        )
    if name == "vgg":
        layers: list[Any] = []
        cin = 3
        for width in (32, 64, 128):
            for _ in range(2):
                layers += [
                    nn.Conv2d(cin, width, 3, padding=1, bias=False),
                    nn.BatchNorm2d(width),
                    nn.ReLU(),
                ]
                cin = width
            layers.append(nn.MaxPool2d(2))
        layers += [nn.Flatten(), nn.Linear(2048, 10)]
        return nn.Sequential(*layers)
    raise ValueError(f"unknown model {name!r}; expected one of {MODELS}")


def conv_linear_flops(name: str, batch: int) -> float:
    """Forward FLOPs of the convolutions and linear layers (a multiply-add is 2 FLOPs)."""
    flops = 0.0
    if name != "vgg":
        raise ValueError("FLOPs are tabulated for vgg only")
    size, cin = 32, 3
    for width in (32, 64, 128):
        for _ in range(2):
            flops += 2.0 * size * size * cin * width * 9
            cin = width
        size //= 2
    flops += 2.0 * 2048 * 10
    return flops * batch


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """This machine's float32 matmul speed, measured now."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n**3 / min(times) / 1e9


def median_ms(step: Callable[[], None], warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def ours_step(name: str, x: np.ndarray, y: np.ndarray) -> tuple[Callable[[], None], Any]:
    model = build(ag_nn, name)
    model.train()
    opt = ag_optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = ag.from_numpy(x), ag.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss = ag_F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()

    return step, model


def torch_step(name: str, x: np.ndarray, y: np.ndarray, state: dict[str, Any]) -> Any:
    import torch

    model = build(torch.nn, name)
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()

    return step


def rss_mb() -> float:
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_report(batch: int) -> None:
    import resource

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *INPUT_SHAPES["vgg"]), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    step, _ = ours_step("vgg", x, y)
    samples = {}
    for i in range(1, 101):
        step()
        if i in (10, 50, 100):
            samples[i] = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"vgg, batch {batch}, 100 training steps")
    print(f"  peak RSS: {peak:.0f} MB")
    for i, mb in samples.items():
        print(f"  RSS after step {i:3d}: {mb:.0f} MB")
    print(f"  growth from step 10 to 100: {samples[100] - samples[10]:+.1f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="measure memory of 100 vgg steps")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    args = parser.parse_args(argv)

    if args.memory:
        memory_report(args.batch)
        return

    try:
        if args.no_torch:
            raise ImportError
        import torch

        threads = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))
        torch.set_num_threads(threads)
        torch_note = f"PyTorch {torch.__version__}, {threads} threads"
    except ImportError:
        torch = None  # type: ignore[assignment]
        torch_note = "PyTorch not installed: no comparison"
    print(f"numpy {np.__version__}; {torch_note}; batch {args.batch}, float32")
    gemm = matmul_gflops()
    print(f"float32 matmul (2048x2048): {gemm:.0f} GFLOP/s")
    print(f"{'model':<8} {'ours ms':>9} {'torch ms':>9} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for name in args.models:
        x = rng.standard_normal((args.batch, *INPUT_SHAPES[name]), dtype=np.float32)
        y = rng.integers(0, 10, args.batch)
        step, model = ours_step(name, x, y)
        state = {k: v.numpy() for k, v in model.state_dict().items()}
        ours = median_ms(step, args.warmup, args.repeats)
        if torch is not None:
            theirs = median_ms(torch_step(name, x, y, state), args.warmup, args.repeats)
            print(f"{name:<8} {ours:9.1f} {theirs:9.1f} {ours / theirs:6.2f}")
        else:
            print(f"{name:<8} {ours:9.1f} {'-':>9} {'-':>6}")
        if name == "vgg":
            achieved = 3 * conv_linear_flops("vgg", args.batch) / (ours / 1000) / 1e9
            print(
                f"         vgg step: {achieved:.1f} GFLOP/s achieved (conv+linear, 3x forward) "
                f"= {100 * achieved / gemm:.0f}% of matmul"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
