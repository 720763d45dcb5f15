"""Seeding and random sampling, PyTorch's way: one default generator drives every random
function, layer init, dropout, transform and shuffle unless a generator is given."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as torch
import autograd_np.nn as nn
import autograd_np.nn.functional as F
from autograd_np.data import transforms as T
from autograd_np.utils.data import DataLoader, RandomSampler, TensorDataset, random_split


def _draws() -> list[np.ndarray]:
    """One draw from each consumer of the default generator."""
    out = [
        torch.rand(3).array,
        torch.randn(2, 2).array,
        torch.randint(0, 10, (4,)).array,
        torch.randperm(6).array,
        torch.multinomial(torch.tensor([0.2, 0.3, 0.5]), 2).array,
        torch.bernoulli(torch.full((5,), 0.5)).array,
        torch.normal(0.0, 1.0, (3,)).array,
        torch.rand_like(torch.zeros(2)).array,
        torch.randn_like(torch.zeros(2)).array,
        nn.Linear(3, 2).weight.detach().numpy(),
        nn.Conv2d(1, 2, 3).weight.detach().numpy(),
        nn.Embedding(4, 2).weight.detach().numpy(),
        F.dropout(torch.ones(8), 0.5, training=True).array,
        nn.Dropout(0.5)(torch.ones(8)).array,
        torch.ones(3).uniform_().array,
        torch.ones(3).normal_().array,
    ]
    image = np.arange(2 * 6 * 6, dtype=np.float32).reshape(2, 6, 6)
    out.append(np.stack([T.RandomCrop(4, padding=1)(image) for _ in range(4)]))
    out.append(np.stack([T.RandomHorizontalFlip()(image) for _ in range(4)]))
    ds = TensorDataset(torch.arange(10))
    out.append(np.array(list(RandomSampler(ds))))
    out.append(
        np.concatenate([np.asarray(b[0]) for b in DataLoader(ds, batch_size=3, shuffle=True)])
    )
    out.append(np.array(random_split(ds, [5, 5])[0].indices))
    return out


def test_manual_seed_makes_every_consumer_reproducible():
    torch.manual_seed(123)
    first = _draws()
    torch.manual_seed(123)
    second = _draws()
    for k, (a, b) in enumerate(zip(first, second)):
        np.testing.assert_array_equal(a, b, err_msg=f"draw {k}")
    torch.manual_seed(124)
    third = _draws()
    assert not all(np.array_equal(a, b) for a, b in zip(first, third))


def test_seed_initial_seed_and_rng_state():
    assert isinstance(torch.manual_seed(7), torch.Generator)
    assert torch.initial_seed() == 7
    s = torch.seed()
    assert torch.initial_seed() == s and 0 <= s < 2**64
    state = torch.get_rng_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    a = torch.rand(4)
    torch.set_rng_state(state)
    np.testing.assert_array_equal(torch.rand(4).array, a.array)
    assert torch.initial_seed() == s
    with pytest.raises(ValueError, match="get_state returns"):
        torch.set_rng_state(torch.zeros(3, dtype=torch.uint8))
    with pytest.raises(TypeError, match="seed must be an int"):
        torch.manual_seed(1.5)
    torch.manual_seed(-1)  # negative seeds wrap, as PyTorch's do
    assert torch.initial_seed() == 2**64 - 1


def test_explicit_generators_win_over_the_default():
    torch.manual_seed(0)
    a = torch.rand(3, generator=torch.Generator().manual_seed(5))
    torch.manual_seed(99)
    b = torch.rand(3, generator=torch.Generator().manual_seed(5))
    np.testing.assert_array_equal(a.array, b.array)
    # a seeded torch-style Generator draws the same stream as np.random.default_rng(seed)
    g = torch.Generator().manual_seed(3)
    np.testing.assert_array_equal(
        torch.randn(5, generator=g).array,
        torch.randn(5, generator=np.random.default_rng(3)).array,
    )
    np.testing.assert_array_equal(
        torch.rand(2, generator=4).array, torch.rand(2, generator=4).array
    )


def test_generator_methods():
    g = torch.Generator()
    assert g.initial_seed() == 67280421310721  # PyTorch's seed of a new Generator
    assert g.manual_seed(11) is g and g.initial_seed() == 11
    state = g.get_state()
    x = torch.randn(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(torch.randn(3, generator=g).array, x.array)
    assert g.seed() == g.initial_seed()
    with pytest.raises(RuntimeError, match="only the CPU"):
        torch.Generator("cuda")


def test_objects_keeping_the_default_generator_follow_manual_seed():
    drop = nn.Dropout(0.5)
    ds = TensorDataset(torch.arange(20))
    sampler = RandomSampler(ds)
    torch.manual_seed(1)
    a, s1 = drop(torch.ones(50)).array, list(sampler)
    torch.manual_seed(1)
    b, s2 = drop(torch.ones(50)).array, list(sampler)
    np.testing.assert_array_equal(a, b)
    assert s1 == s2


def test_randint_reads_arguments_as_torch():
    torch.manual_seed(0)
    x = torch.randint(5, (200,))
    assert x.shape == (200,) and x.dtype == np.int64
    assert x.array.min() >= 0 and x.array.max() <= 4 and len(set(x.tolist())) == 5
    y = torch.randint(3, 6, (2, 100))
    assert y.shape == (2, 100) and set(y.tolist()[0]) | set(y.tolist()[1]) == {3, 4, 5}
    assert torch.randint(3, size=(4,)).shape == (4,)
    assert torch.randint(2, 4, size=[3]).shape == (3,)
    assert torch.randint(10, (2,), dtype=torch.int32).dtype == np.int32
    with pytest.raises(ValueError, match="low < high"):
        torch.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint"):
        torch.randint(1, 2, 3, (4,))


def test_randperm():
    torch.manual_seed(0)
    p = torch.randperm(10)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(10))
    assert torch.randperm(0).shape == (0,)


def test_multinomial_with_and_without_replacement():
    torch.manual_seed(0)
    w = torch.tensor([0.0, 1.0, 3.0])
    draws = torch.multinomial(w, 4000, replacement=True)
    assert draws.dtype == np.int64 and draws.shape == (4000,)
    counts = np.bincount(draws.array, minlength=3)
    assert counts[0] == 0 and 0.7 < counts[2] / 4000 < 0.8
    rows = torch.multinomial(torch.tensor([[1.0, 1.0, 0.0, 1.0], [0.0, 2.0, 2.0, 2.0]]), 3)
    assert rows.shape == (2, 3)
    for row, banned in zip(rows.tolist(), (2, 0)):
        assert len(set(row)) == 3 and banned not in row  # no repeats, no zero weights
    with pytest.raises(ValueError, match="without replacement"):
        torch.multinomial(w, 3)
    with pytest.raises(ValueError, match="non-negative"):
        torch.multinomial(torch.tensor([-1.0, 1.0]), 1)


def test_bernoulli_and_normal():
    torch.manual_seed(0)
    p = torch.tensor([0.0, 1.0] * 50)
    b = torch.bernoulli(p)
    assert b.dtype == np.float32
    np.testing.assert_array_equal(b.array, p.array)
    half = torch.bernoulli(torch.zeros(10000), p=0.25)
    assert 0.22 < half.array.mean() < 0.28
    with pytest.raises(ValueError, match="probabilities"):
        torch.bernoulli(torch.tensor([1.5]))
    n = torch.normal(torch.full((20000,), 3.0), 2.0)
    assert n.dtype == np.float32 and abs(n.array.mean() - 3) < 0.1 and abs(n.array.std() - 2) < 0.1
    m = torch.normal(torch.zeros(2, 1), torch.ones(3))
    assert m.shape == (2, 3)
    assert torch.normal(0.0, 1.0, (4, 5)).shape == (4, 5)
    assert torch.normal(2.0, torch.ones(3, dtype=torch.float64)).dtype == np.float64
    with pytest.raises(TypeError, match="size"):
        torch.normal(0.0, 1.0)
    assert not torch.normal(torch.zeros(2, requires_grad=True), 1.0).requires_grad


def test_random_creation_keywords():
    x = torch.randn(2, 3, dtype=torch.float64, device="cpu", requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad
    assert torch.rand((2, 2), dtype=torch.float16).dtype == np.float16
    assert torch.randn_like(torch.zeros(2, dtype=torch.float64)).dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        torch.rand(2, device="cuda")


class _RandomItems(torch.utils.data.Dataset):
    """Each item is a draw from the default generator (in whatever process loads it)."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        return torch.rand(1).item()


def test_loader_workers_reseed_the_default_generator_reproducibly():
    def run() -> list[float]:
        loader = DataLoader(_RandomItems(), batch_size=2, num_workers=2)
        return [v for batch in loader for v in batch.tolist()]

    torch.manual_seed(10)
    first = run()
    torch.manual_seed(10)
    assert run() == first
    torch.manual_seed(11)
    assert run() != first
    # batches 0 and 1 come from different workers, seeded differently
    assert first[:2] != first[2:4]
