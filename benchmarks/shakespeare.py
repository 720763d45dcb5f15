"""The char-level GPT recipe of ``examples.shakespeare`` with autograd_np and with PyTorch,
side by side: seconds per training iteration and their ratio.

Run::

    python benchmarks/shakespeare.py                       # autograd_np only
    /work/venvs/attn-torch/bin/python benchmarks/shakespeare.py   # with PyTorch and the ratio
    python benchmarks/shakespeare.py --iters 2000 --eval-interval 250   # the whole recipe
    OPENBLAS_NUM_THREADS=1 python benchmarks/shakespeare.py --clock cpu  # on a busy machine

Each iteration is what the example does: a random batch of 12 blocks of 64 characters,
forward, cross-entropy, backward, gradient clipping at 1.0, an AdamW step with the
warm-up/cosine learning rate. Both models are nanoGPT's (4 layers, 4 heads, width 128, no
bias, tied embedding) and start from the same weights (copied through ``state_dict``) and
see the same batches. PyTorch's side is plain torch code below. ``--eval-interval`` adds
the example's evaluations (20 batches per split) to the timed loop. The two libraries run
one after the other in the same process, with the same thread count (PyTorch's is set to
the BLAS thread count), alternating ``--rounds`` times; the ratio is of the medians.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import blas_threads

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np import optim
from autograd_np.data import TinyShakespeare
from autograd_np.nn.utils import clip_grad_norm_
from examples.shakespeare_model import GPT, weight_decay_groups

VOCAB, BLOCK, BATCH, LAYERS, HEADS, WIDTH = 65, 64, 12, 4, 4, 128


def lr_at(it: int, iters: int) -> float:
    if it < 100:
        return 1e-3 * (it + 1) / 101
    ratio = (it - 100) / max(iters - 100, 1)
    return 1e-4 + 0.5 * (1.0 + math.cos(math.pi * min(ratio, 1.0))) * (1e-3 - 1e-4)


# ---------------------------------------------------------------------- PyTorch's side
def torch_model() -> Any:
    import torch
    import torch.nn as tnn
    import torch.nn.functional as tF

    class Attention(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = tnn.Linear(WIDTH, 3 * WIDTH, bias=False)
            self.c_proj = tnn.Linear(WIDTH, WIDTH, bias=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b, t, c = x.shape
            qkv = self.c_attn(x).view(b, t, 3, HEADS, c // HEADS).permute(2, 0, 3, 1, 4)
            y = tF.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=True)
            return self.c_proj(y.transpose(1, 2).reshape(b, t, c))

    class MLP(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_fc = tnn.Linear(WIDTH, 4 * WIDTH, bias=False)
            self.gelu = tnn.GELU()
            self.c_proj = tnn.Linear(4 * WIDTH, WIDTH, bias=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = tnn.LayerNorm(WIDTH, bias=False)
            self.attn = Attention()
            self.ln_2 = tnn.LayerNorm(WIDTH, bias=False)
            self.mlp = MLP()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class TorchGPT(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = tnn.Embedding(VOCAB, WIDTH)
            self.wpe = tnn.Embedding(BLOCK, WIDTH)
            self.h = tnn.ModuleList([Block() for _ in range(LAYERS)])
            self.ln_f = tnn.LayerNorm(WIDTH, bias=False)
            self.lm_head = tnn.Linear(WIDTH, VOCAB, bias=False)
            self.lm_head.weight = self.wte.weight
            self.register_buffer("pos", torch.arange(BLOCK), persistent=False)

        def forward(self, idx: torch.Tensor) -> torch.Tensor:
            x = self.wte(idx) + self.wpe(self.pos[: idx.shape[1]])
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return TorchGPT()


def run_torch(
    state: dict[str, np.ndarray], batches: list[Any], args: Any, evals: list[Any]
) -> list[float]:
    import torch
    import torch.nn.functional as tF

    model = torch_model()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    params = list(model.parameters())
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=1e-3,
        betas=(0.9, 0.99),
    )

    def loss_of(x: np.ndarray, y: np.ndarray) -> torch.Tensor:
        logits = model(torch.from_numpy(x))
        return tF.cross_entropy(logits.view(-1, VOCAB), torch.from_numpy(y).view(-1))

    times: list[float] = []
    for it, (x, y) in enumerate(batches):
        t0 = CLOCK[0]()
        if args.eval_interval and it % args.eval_interval == 0:
            model.eval()
            with torch.no_grad():
                losses = [float(loss_of(ex, ey)) for ex, ey in eval_batches(it, args)]
            evals.append((it, float(np.mean(losses[:20])), float(np.mean(losses[20:]))))
            model.train()
        for group in opt.param_groups:
            group["lr"] = lr_at(it, args.iters)
        loss = loss_of(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss.item()
        times.append(CLOCK[0]() - t0)
    return times


# ---------------------------------------------------------------------- ours
def run_ours(model: Any, batches: list[Any], args: Any, evals: list[Any]) -> list[float]:
    opt = optim.AdamW(weight_decay_groups(model, 0.1), lr=1e-3, betas=(0.9, 0.99))

    def loss_of(x: np.ndarray, y: np.ndarray) -> ag.Tensor:
        logits = model(x)
        return F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))

    times: list[float] = []
    for it, (x, y) in enumerate(batches):
        t0 = CLOCK[0]()
        if args.eval_interval and it % args.eval_interval == 0:
            model.eval()
            with ag.no_grad():
                losses = [float(loss_of(ex, ey)) for ex, ey in eval_batches(it, args)]
            evals.append((it, float(np.mean(losses[:20])), float(np.mean(losses[20:]))))
            model.train()
        for group in opt.param_groups:
            group["lr"] = lr_at(it, args.iters)
        loss = loss_of(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        float(loss)
        times.append(CLOCK[0]() - t0)
    return times


_DATA: dict[str, Any] = {}
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def eval_batches(it: int, args: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(it)
    return [_DATA[s].sample_batch(BATCH, rng) for s in ("train", "val") for _ in range(20)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iters", type=int, default=60, help="timed iterations per round")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--eval-interval", type=int, default=0, help="0: no evaluations")
    p.add_argument("--data-root", default=None)
    p.add_argument("--no-torch", action="store_true")
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="cpu: this process's CPU time (fairer on a busy machine with 1 thread)",
    )
    args = p.parse_args()
    if args.clock == "cpu":
        CLOCK[0] = time.process_time
    for split in ("train", "val"):
        _DATA[split] = TinyShakespeare(args.data_root, split=split, block_size=BLOCK)
    rng = np.random.default_rng(0)
    batches = [_DATA["train"].sample_batch(BATCH, rng) for _ in range(args.iters + args.warmup)]
    if args.eval_interval:  # the whole recipe: no warm-up, medians over every iteration
        batches, args.warmup = batches[: args.iters + 1], 0
    model = GPT(VOCAB, BLOCK, LAYERS, HEADS, WIDTH, generator=0)
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    try:
        if args.no_torch:
            raise ImportError
        import torch

        torch.set_num_threads(blas_threads())
        have_torch = True
    except ImportError:
        have_torch = False
    threads = blas_threads()
    print(
        f"char-level GPT, batch {BATCH} x {BLOCK}, {LAYERS} layers, width {WIDTH}; "
        f"{args.iters} iterations per round; BLAS/torch threads {threads}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
        f"{args.clock} clock"
    )
    ours: list[float] = []
    theirs: list[float] = []
    for r in range(args.rounds):
        m = GPT(VOCAB, BLOCK, LAYERS, HEADS, WIDTH, generator=0)
        m.load_state_dict(state)
        ev_o: list[Any] = []
        t = run_ours(m, batches, args, ev_o)
        ours.append(statistics.median(t[args.warmup :]))
        line = f"round {r + 1}: autograd_np {1e3 * ours[-1]:7.1f} ms/iter ({sum(t):.0f} s)"
        ev_t: list[Any] = []
        if have_torch:
            t = run_torch(state, batches, args, ev_t)
            theirs.append(statistics.median(t[args.warmup :]))
            line += f"   torch {1e3 * theirs[-1]:7.1f} ms/iter ({sum(t):.0f} s)"
            line += f"   ratio {ours[-1] / theirs[-1]:.2f}x"
        print(line, flush=True)
        for k, (it, tr, va) in enumerate(ev_o):
            extra = f"; torch {ev_t[k][1]:.4f} / {ev_t[k][2]:.4f}" if ev_t else ""
            print(f"  eval at {it}: autograd_np train/val loss {tr:.4f} / {va:.4f}{extra}")
    mo = statistics.median(ours)
    summary = f"median: autograd_np {1e3 * mo:.1f} ms/iter ({BATCH * BLOCK / mo:,.0f} tok/s)"
    if theirs:
        mt = statistics.median(theirs)
        summary += f", torch {1e3 * mt:.1f} ms/iter; ratio {mo / mt:.2f}x (target <= 1.5x)"
    print(summary)


if __name__ == "__main__":
    main()
