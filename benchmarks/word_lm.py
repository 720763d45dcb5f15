"""Milliseconds per training step of PyTorch's word-language-model example, float32, ours
side by side with PyTorch CPU when it is importable.

The model and step are those of ``pytorch/examples/word_language_model`` with its defaults:
an embedding of 200, a 2-layer LSTM of 200 hidden units, dropout 0.2, a linear decoder to a
vocabulary of 10,000, log-softmax and NLL loss over 35 steps of a batch of 20; the hidden
state carried over (detached) from the previous batch; ``clip_grad_norm_(0.25)`` and plain
SGD (``p.data.add_(p.grad, alpha=-lr)``, lr 20). Random token ids stand in for the corpus,
which changes nothing in the cost.

Run::

    python benchmarks/word_lm.py                                  # autograd_np only
    /work/venv-torch/bin/python benchmarks/word_lm.py             # with the ratio to PyTorch
    python benchmarks/word_lm.py --profile                        # where our step's time goes
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /work/venv-torch/bin/python \
        benchmarks/word_lm.py --clock cpu                         # on a busy machine

Both libraries build the model from the same code and the same weights (copied through
``state_dict``), run the same batches in the same process with the same number of threads,
one after the other; times are medians over the repeats.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import blas_threads

import autograd_np as ag
import autograd_np.nn as ag_nn


def build(nn: Any, vocab: int, emsize: int, nhid: int, nlayers: int, dropout: float) -> Any:
    """The example's ``RNNModel`` (LSTM) from a PyTorch-compatible ``nn`` namespace."""

    class RNNModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(vocab, emsize)
            self.rnn = nn.LSTM(emsize, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, vocab)
            nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

        def forward(self, input: Any, hidden: Any) -> tuple[Any, Any]:
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, vocab)
            return nn.functional.log_softmax(decoded, dim=1), hidden

    return RNNModel()


def make_step(
    lib: Any, model: Any, batches: list[tuple[Any, Any]], hidden: Any, lr: float, clip: float
) -> Callable[[], None]:
    """One training step of the example's ``train()`` loop, cycling through ``batches``."""
    criterion = lib.nn.NLLLoss()
    state = {"hidden": hidden, "i": 0}

    def step() -> None:
        data, targets = batches[state["i"] % len(batches)]
        state["i"] += 1
        h, c = state["hidden"]
        hidden = (h.detach(), c.detach())  # repackage_hidden
        model.zero_grad()
        output, state["hidden"] = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)

    return step


def time_ms(step: Callable[[], None], warmup: int, repeats: int, clock: str) -> float:
    """The median milliseconds of ``repeats`` calls after ``warmup`` untimed ones, of wall
    time or of this process's CPU time."""
    now = time.perf_counter if clock == "wall" else time.process_time
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t = now()
        step()
        times.append(now() - t)
    return 1000 * statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--vocab", type=int, default=10_000)
    parser.add_argument("--emsize", type=int, default=200)
    parser.add_argument("--nhid", type=int, default=200)
    parser.add_argument("--nlayers", type=int, default=2)
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="cpu: the process's CPU time, steadier on a busy machine (use one thread)",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--profile", action="store_true", help="profile our step instead")
    args = parser.parse_args(argv)
    torch: Any = None
    if not args.no_torch and not args.profile:
        try:
            import torch as torch_module
        except ImportError:
            pass
        else:
            torch = torch_module
    threads = blas_threads()
    sizes = (args.vocab, args.emsize, args.nhid, args.nlayers, args.dropout)
    rng = np.random.default_rng(0)
    tokens = [rng.integers(0, args.vocab, (args.bptt + 1, args.batch)) for _ in range(4)]
    pairs = [(t[:-1], t[1:].reshape(-1)) for t in tokens]
    zeros = np.zeros((args.nlayers, args.batch, args.nhid), dtype=np.float32)

    model = build(ag_nn, *sizes)
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    batches = [(ag.from_numpy(x), ag.from_numpy(y)) for x, y in pairs]
    hidden = (ag.from_numpy(zeros), ag.from_numpy(zeros))
    step = make_step(ag, model, batches, hidden, lr=20.0, clip=0.25)
    print(
        f"word LM: vocab {args.vocab}, embedding {args.emsize}, {args.nlayers}-layer LSTM of "
        f"{args.nhid}, {args.bptt} steps x batch {args.batch}, dropout {args.dropout}; "
        f"float32, {threads} threads; median of {args.repeats}, {args.clock} clock"
    )
    if args.profile:
        for _ in range(args.warmup):
            step()
        profiler = cProfile.Profile(time.process_time if args.clock == "cpu" else time.perf_counter)
        profiler.enable()
        for _ in range(args.repeats):
            step()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    ours = time_ms(step, args.warmup, args.repeats, args.clock)
    del step, model
    gc.collect()
    if torch is None:
        print(f"autograd_np {ours:8.1f} ms/step (PyTorch not importable: no comparison)")
        return
    torch.set_num_threads(threads)
    time.sleep(0.5)
    t_model = build(torch.nn, *sizes)
    t_model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    t_batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in pairs]
    t_hidden = (torch.from_numpy(zeros.copy()), torch.from_numpy(zeros.copy()))
    t_step = make_step(torch, t_model, t_batches, t_hidden, 20.0, 0.25)
    theirs = time_ms(t_step, args.warmup, args.repeats, args.clock)
    print(f"torch {torch.__version__}")
    print(f"{'autograd_np':<12} {ours:8.1f} ms/step")
    print(f"{'PyTorch':<12} {theirs:8.1f} ms/step")
    print(f"ratio {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
