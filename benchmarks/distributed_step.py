"""Milliseconds per data-parallel training step: 1 process against 2 MPI ranks (1 BLAS
thread each, gradient all-reduce included), and against PyTorch's step when it is
importable, for the vgg, lenet and seedcnn models of ``train_step.py``.

Run (needs the distributed extra, ``pip install -e ".[distributed]"``)::

    python benchmarks/distributed_step.py
    python benchmarks/distributed_step.py --models vgg --batch 128 --repeats 20
    python benchmarks/distributed_step.py --sync-batchnorm   # as the examples train

Each configuration runs in its own process (or its own ``mpiexec -n 2`` job) one after the
other, so none competes with another for the cores. A step is forward, cross-entropy,
backward and an Adam step at the same global batch; with 2 ranks each rank takes half of
the batch and ``DistributedDataParallel`` averages the gradients. Times are medians over
the repeats, of the slower rank.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MODELS = ("vgg", "lenet", "seedcnn")
HERE = Path(__file__).resolve().parent


def worker(args: argparse.Namespace) -> None:
    """Time the step in this process (one rank of an MPI job when ``--ranks`` > 1)."""
    sys.path.insert(0, str(HERE))
    from train_step import INPUT_SHAPES, build

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, *INPUT_SHAPES[args.model]), dtype=np.float32)
    y = rng.integers(0, 10, args.batch)
    if args.library == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "2")))
        model = build(torch.nn, args.model)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = torch.nn.functional.cross_entropy
        barrier = None
        rank, world = 0, 1
    else:
        import autograd_np as ag
        import autograd_np.distributed as dist
        import autograd_np.nn as nn
        import autograd_np.nn.functional as F
        from autograd_np import optim

        model = build(nn, args.model)
        rank, world = 0, 1
        barrier = None
        if args.ranks > 1:
            dist.init_process_group("mpi")
            rank, world = dist.get_rank(), dist.get_world_size()
            if args.sync_batchnorm:  # batch statistics over the global batch
                model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
            model = nn.parallel.DistributedDataParallel(model)
            barrier = dist.barrier
        share = slice(rank * args.batch // world, (rank + 1) * args.batch // world)
        xt, yt = ag.from_numpy(x[share]), ag.from_numpy(y[share])
        opt = optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = F.cross_entropy

    times = []
    for i in range(args.warmup + args.repeats):
        if barrier is not None:
            barrier()
        start = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        if barrier is not None:
            barrier()
        if i >= args.warmup:
            times.append((time.perf_counter() - start) * 1000)
    if rank == 0:
        print(f"RESULT {statistics.median(times):.2f}")


def measure(argv: list[str], ranks: int, threads: int, library: str = "ours") -> float | None:
    """Run one worker configuration in a fresh process or MPI job; its median ms/step."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "--worker", "--library", library, "--ranks", str(ranks)]
    cmd += argv
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=f"{Path(sys.executable).parent}:{env['PATH']}")
        if mpiexec is None:
            return None
        cmd = [mpiexec, "-n", str(ranks), *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    if done.returncode != 0 or not lines:
        print(done.stdout + done.stderr, file=sys.stderr)
        return None
    return float(lines[0].split()[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--model", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=128, help="global batch (default 128)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--library", default="ours", help=argparse.SUPPRESS)
    parser.add_argument("--ranks", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sync-batchnorm",
        action="store_true",
        help="convert the ranks' BatchNorm layers to SyncBatchNorm, as the examples do",
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return
    cores = len(os.sched_getaffinity(0))
    try:
        import torch  # noqa: F401

        has_torch = True
    except ImportError:
        has_torch = False
    sync = ", SyncBatchNorm on the ranks" if args.sync_batchnorm else ""
    print(
        f"global batch {args.batch}, float32, Adam; median of {args.repeats} steps; "
        f"{cores} cores{sync}"
    )
    header = f"{'model':8} {'1 process':>12} {'2 ranks':>12} {'speed-up':>9}"
    print(header + (f" {'PyTorch':>10} {'2 ranks / PyTorch':>18}" if has_torch else ""))
    for name in args.models:
        common = ["--model", name, "--batch", str(args.batch)]
        common += ["--repeats", str(args.repeats), "--warmup", str(args.warmup)]
        common += ["--sync-batchnorm"] if args.sync_batchnorm else []
        one = measure(common, ranks=1, threads=cores)
        two = measure(common, ranks=2, threads=1)
        line = f"{name:8} {one or float('nan'):10.1f}ms {two or float('nan'):10.1f}ms"
        line += f" {(one / two) if one and two else float('nan'):8.2f}x"
        if has_torch:
            ref = measure(common, ranks=1, threads=cores, library="torch")
            line += f" {ref or float('nan'):8.1f}ms"
            line += f" {(two / ref) if two and ref else float('nan'):17.2f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
