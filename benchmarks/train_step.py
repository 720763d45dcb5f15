"""Milliseconds per training step (forward, cross-entropy, backward, Adam step), float32,
for four fixed models, side by side with PyTorch CPU when it is importable.

Run::

    python benchmarks/train_step.py                                # autograd_np only
    /work/venv-torch/bin/python benchmarks/train_step.py           # with the ratio to PyTorch
    python benchmarks/train_step.py --memory                       # RSS over 100 vgg steps
    /work/venv-torch/bin/python benchmarks/train_step.py --memory  # ours and PyTorch's

Both frameworks build the same architecture from the same code (the APIs match), start from
the same weights (copied through ``state_dict``) and run on the same batch, in the same
process, with the same number of threads (PyTorch's is set to the BLAS thread count). Each
library runs its warm-up and its repeats back to back, as a training loop would; between
the two the process frees what the first one holds and pauses, so that neither library's
worker threads (OpenBLAS's, OpenMP's) still spin while the other one is timed. Times are
medians (``--stat min`` for minima) over the repeats.

Allocation matters at these sizes and depends on the process's history: glibc maps every
block above its mmap threshold (128 KB at start) anew, page faults included, and raises
the threshold (up to 32 MB) once a mapped block is freed. The matmul measurement at the
start frees 16 MB arrays, so every model runs with the raised threshold, as in a program
that has freed any large array before (loading a dataset does). autograd_np's kernels
recycle their large arrays themselves (``autograd_np.workspace``).

OpenBLAS's kernel choice decides most of the convolutions' speed: on an AVX-512 CPU its
Haswell (AVX2) kernels reach about half the float32 GEMM throughput of its SkylakeX ones,
while PyTorch's oneDNN uses AVX-512 either way. When ``OPENBLAS_CORETYPE`` selects a core
without AVX-512 on a CPU that has it, the script reports the environment as given, then
runs itself again in a subprocess with ``OPENBLAS_CORETYPE=SkylakeX`` (read when numpy
loads) and reports that too, labelled (``--no-avx512-rerun`` skips it).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import blas_threads, time_ms

import autograd_np as ag
import autograd_np.nn as ag_nn
import autograd_np.nn.functional as ag_F
import autograd_np.optim as ag_optim
from autograd_np.workspace import WORKSPACE

MODELS = ("mlp", "lenet", "seedcnn", "vgg")
AVX512_CORES = ("skylakex", "cooperlake", "sapphirerapids")  # OpenBLAS core names
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


def cpu_has_avx512() -> bool:
    """Whether the CPU reports the avx512f flag (Linux's /proc/cpuinfo; False elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:
        return False


def avx512_rerun_env() -> dict[str, str] | None:
    """The environment of the AVX-512 rerun, or None when there is nothing to add: the
    variable unset (OpenBLAS picks for itself), already an AVX-512 core, or no AVX-512."""
    core = os.environ.get("OPENBLAS_CORETYPE")
    if core is None or core.lower() in AVX512_CORES or not cpu_has_avx512():
        return None
    return {**os.environ, "OPENBLAS_CORETYPE": "SkylakeX"}


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """This machine's float32 matmul speed through numpy (BLAS on its threads, as
    ``autograd_np.set_num_threads`` set them), measured now (best of repeats)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    np.matmul(a, b)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.matmul(a, b)
        times.append(time.perf_counter() - t)
    return 2 * n**3 / min(times) / 1e9


def thread_count(text: str) -> str:
    """A ``--threads`` entry: a positive count, or 'default'."""
    if text == "default" or (text.isdigit() and int(text) > 0):
        return text
    raise argparse.ArgumentTypeError(f"expected a positive count or 'default', got {text!r}")


def ours_step(name: str, x: np.ndarray, y: np.ndarray) -> tuple[Callable[[], None], Any]:
    """One autograd_np training step of ``name`` on (x, y), and the model."""
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
    """The same step in PyTorch, from the weights ``state``."""
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


def conv_gemm_ms(step: Callable[[], None], repeats: int) -> float:
    """Milliseconds per call of ``step`` spent inside the convolutions' GEMMs (every conv
    GEMM goes through ``conv_utils._grouped_product``, timed here by wrapping it), the mean
    over ``repeats`` calls after one untimed call. Summed over the threads: a convolution
    shares its batch slices out across ``autograd_np.get_num_threads()`` threads."""
    from autograd_np.nn.functional import conv_utils as cu

    spent = 0.0
    inner = cu._grouped_product

    def timed(*args: Any, **kwargs: Any) -> np.ndarray:
        nonlocal spent
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent += time.perf_counter() - t

    cu._grouped_product = timed
    try:
        step()
        spent = 0.0
        for _ in range(repeats):
            step()
    finally:
        cu._grouped_product = inner
    return 1000 * spent / repeats


def _release(pause: float) -> None:
    """Free what the last library held (our idle workspace memory included) and let the
    worker threads go idle before the next library is timed."""
    gc.collect()
    WORKSPACE.clear()
    time.sleep(pause)


def rss_mb() -> float:
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_child(library: str, batch: int, steps: int) -> dict[str, Any]:
    """RSS of ``steps`` vgg training steps of ``library`` ("ours" or "torch") in this
    process: after the model, optimizer and batch are built, the peak, and after some steps."""
    import resource

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *INPUT_SHAPES["vgg"]), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    if library == "torch":
        import torch

        torch.set_num_threads(blas_threads())
        state = {k: v.numpy().copy() for k, v in build(ag_nn, "vgg").state_dict().items()}
        step = torch_step("vgg", x, y, state)
    else:
        step, _ = ours_step("vgg", x, y)
    gc.collect()
    built = rss_mb()
    samples = {}
    for i in range(1, steps + 1):
        step()
        if i in (1, 10, steps // 2, steps):
            samples[i] = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"built": built, "peak": peak, "samples": samples}


def memory_report(batch: int, steps: int = 100, with_torch: bool = True) -> None:
    """Resident memory of ``steps`` vgg training steps, ours and PyTorch's (when importable),
    each in a fresh process: after the model is built, the peak, and their difference (what
    training costs: PyTorch's import alone is ~300 MB), and the growth from step 10 on."""
    import json

    libraries = ["ours"]
    if with_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("PyTorch not importable: no comparison")
        else:
            libraries.append("torch")
    print(f"vgg, batch {batch}, float32, {steps} training steps, one process per library")
    growth_label = f"growth 10->{steps}"
    print(f"{'':<7} {'built MB':>9} {'peak MB':>8} {'training MB':>12} {growth_label:>14}")
    costs = {}
    for library in libraries:
        child = [
            sys.executable, os.path.abspath(__file__), "--memory-child", library,
            "--batch", str(batch), "--steps", str(steps),
        ]  # fmt: skip
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        samples = {int(k): v for k, v in r["samples"].items()}
        costs[library] = r["peak"] - r["built"]
        growth = samples[steps] - samples[10]
        print(
            f"{library:<7} {r['built']:9.0f} {r['peak']:8.0f} {costs[library]:12.0f} "
            f"{growth:+13.1f}",
            flush=True,
        )
    if "torch" in costs:
        print(f"training memory, ours / PyTorch's: {costs['ours'] / costs['torch']:.2f}x")


def run(args: argparse.Namespace) -> None:
    """The timing table for the current environment."""
    torch: Any = None
    if not args.no_torch:
        try:
            import torch as torch_module
        except ImportError:
            pass
        else:
            torch = torch_module
    if args.threads and "default" in args.threads[1:]:
        raise SystemExit("--threads: 'default' can only come first (set_num_threads is for good)")
    last = args.threads[-1] if args.threads else "default"
    threads = ag.get_num_threads() if last == "default" else int(last)
    if torch is not None:
        torch.set_num_threads(threads)
        torch_note = f"PyTorch {torch.__version__}"
    else:
        torch_note = "PyTorch not used: no comparison"
    core = os.environ.get("OPENBLAS_CORETYPE")
    print(
        f"numpy {np.__version__}, OPENBLAS_CORETYPE={core if core else '(unset)'}; {torch_note}; "
        f"{threads} threads; batch {args.batch}, float32; {args.stat} of {args.repeats}"
    )
    gemm = matmul_gflops()
    print(f"float32 matmul (2048x2048 @ 2048x2048, numpy): {gemm:.0f} GFLOP/s")
    counts = args.threads or ["default"]
    extra = "".join(f" {f'{k} thr' if k != 'default' else 'default':>8}" for k in counts[:-1])
    print(f"{'model':<8}{extra} {'ours ms':>9} {'torch ms':>9} {'ratio':>6}")
    rng = np.random.default_rng(0)
    for name in args.models:
        x = rng.standard_normal((args.batch, *INPUT_SHAPES[name]), dtype=np.float32)
        y = rng.integers(0, 10, args.batch)
        step, model = ours_step(name, x, y)
        state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        by_count = []
        for k in counts:  # the last count is the one compared with PyTorch
            if k != "default":  # else the default: the cores (see autograd_np.parallel)
                ag.set_num_threads(int(k))
            by_count.append(time_ms(step, args.warmup, args.repeats, args.stat))
        ours = by_count[-1]
        extra = "".join(f" {t:8.1f}" for t in by_count[:-1])
        gemm_ms = conv_gemm_ms(step, args.repeats) if name == "vgg" else 0.0
        del step, model
        if torch is not None:
            _release(args.pause)
            theirs = time_ms(torch_step(name, x, y, state), args.warmup, args.repeats, args.stat)
            _release(args.pause)
            print(f"{name:<8}{extra} {ours:9.1f} {theirs:9.1f} {ours / theirs:6.2f}", flush=True)
        else:
            print(f"{name:<8}{extra} {ours:9.1f} {'-':>9} {'-':>6}", flush=True)
        if len(counts) > 1:
            for k, t in zip(counts[:-1], by_count[:-1]):
                base = "the default threads" if k == "default" else f"{k} threads"
                print(
                    f"         {name}: {counts[-1]} threads (autograd_np.set_num_threads) "
                    f"run {t / ours:.2f}x as fast as {base}"
                )
        if name == "vgg":
            achieved = 3 * conv_linear_flops("vgg", args.batch) / (ours / 1000) / 1e9
            print(
                f"         vgg step: {achieved:.0f} GFLOP/s (conv+linear FLOPs, 3x forward) = "
                f"{100 * achieved / gemm:.0f}% of the matmul rate"
            )
            # the convolutions' GEMMs alone, timed inside the step: the ratio no reduction
            # of the other work (im2col, batch norm, pooling, ReLU, engine) could go below
            # (their time summed over the threads, which run them at the same time)
            wall = gemm_ms / ag.get_num_threads()
            floor = f", {wall / theirs:.2f}x PyTorch's whole step" if torch is not None else ""
            print(
                f"         vgg conv GEMMs alone: {gemm_ms:.0f} ms of thread time per step "
                f"(on {ag.get_num_threads()} threads: about {wall:.0f} ms of the step){floor}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--stat", choices=["median", "min"], default="median")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between libraries")
    parser.add_argument("--memory", action="store_true", help="RSS of 100 vgg steps instead")
    parser.add_argument("--steps", type=int, default=100, help="steps of --memory")
    parser.add_argument("--memory-child", choices=["ours", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument(
        "--threads",
        type=thread_count,
        nargs="+",
        help="time ours with each of these autograd_np.set_num_threads counts, side by side "
        "(the last is compared with PyTorch, which gets as many); 'default' (first only): "
        "before any set_num_threads (the cores, or OMP_NUM_THREADS); default: 'default' alone",
    )
    parser.add_argument(
        "--no-avx512-rerun", action="store_true", help="skip the OPENBLAS_CORETYPE=SkylakeX rerun"
    )
    args = parser.parse_args(argv)
    if args.memory_child:
        import json

        print(json.dumps(memory_child(args.memory_child, args.batch, args.steps)))
        return
    if args.memory:
        memory_report(args.batch, args.steps, with_torch=not args.no_torch)
        return
    run(args)
    env = None if args.no_avx512_rerun else avx512_rerun_env()
    if env is not None:
        print(
            f"\n-- again with OPENBLAS_CORETYPE=SkylakeX (AVX-512 kernels): this CPU has "
            f"avx512f, the environment sets {os.environ['OPENBLAS_CORETYPE']} --",
            flush=True,
        )
        child = [sys.executable, os.path.abspath(__file__), *sys.argv[1:], "--no-avx512-rerun"]
        subprocess.run(child, env=env, check=True)


if __name__ == "__main__":
    main()
