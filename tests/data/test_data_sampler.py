"""Samplers."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from itertools import islice

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np
from autograd_np.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential_sampler():
    s = SequentialSampler(range(4))
    assert list(s) == [0, 1, 2, 3] and len(s) == 4


def test_random_sampler_is_permutation_and_varies_by_pass():
    s = RandomSampler(range(20), generator=0)
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second  # the generator advances between passes
    assert all(type(i) is int for i in first)


def test_random_sampler_seed_and_generator_agree():
    a = list(RandomSampler(range(30), generator=5))
    b = list(RandomSampler(range(30), generator=np.random.default_rng(5)))
    assert a == b == np.random.default_rng(5).permutation(30).tolist()


def test_random_sampler_num_samples_without_replacement_chains_permutations():
    s = RandomSampler(range(4), num_samples=10, generator=1)
    out = list(s)
    assert len(out) == len(s) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert len(set(out[8:])) == 2


def test_random_sampler_with_replacement():
    s = RandomSampler(range(3), replacement=True, num_samples=300, generator=2)
    out = list(s)
    assert len(out) == 300 and set(out) == {0, 1, 2}


@pytest.mark.parametrize("replacement", [True, False])
def test_random_sampler_draws_lazily(replacement):
    # 10**10 indices: drawing them up front would ask for 80 GB
    s = RandomSampler(range(7), replacement=replacement, num_samples=10**10, generator=3)
    assert len(s) == 10**10
    tracemalloc.start()
    try:
        it = iter(s)
        first = list(islice(it, 1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert set(first) <= set(range(7)) and all(type(i) is int for i in first)
    if not replacement:  # consecutive permutations
        assert sorted(first[:7]) == sorted(first[7:14]) == list(range(7))


def test_random_sampler_with_replacement_chunks_are_one_stream():
    # chunks of 32 from one generator: the same indices as one draw of 32 at a time
    out = list(RandomSampler(range(5), replacement=True, num_samples=70, generator=4))
    g = np.random.default_rng(4)
    expected = [*g.integers(0, 5, 32), *g.integers(0, 5, 32), *g.integers(0, 5, 6)]
    assert out == [int(i) for i in expected]


def test_samplers_without_generator_use_the_default_generator(monkeypatch):
    def run() -> tuple[list[int], ...]:
        default = np.random.default_rng(42)
        monkeypatch.setattr(autograd_np, "as_generator", lambda g: default if g is None else g)
        return (
            list(RandomSampler(range(10))),
            list(RandomSampler(range(10), replacement=True, num_samples=40)),
            list(SubsetRandomSampler([3, 4, 5, 6])),
            list(WeightedRandomSampler([1.0, 2.0, 3.0], num_samples=9)),
        )

    assert run() == run()  # reproducible from the default generator alone
    s = RandomSampler(range(10))
    assert s.generator is None  # as torch: no generator of its own


def test_random_sampler_validation():
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="generator"):
        RandomSampler(range(3), generator="seed")  # type: ignore[arg-type]


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=0)
    out = list(s)
    assert sorted(out) == [10, 20, 30, 40] and len(s) == 4


def test_weighted_random_sampler_follows_weights():
    s = WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=4000, generator=0)
    counts = Counter(s)
    assert counts[1] == 0
    assert 0.7 < counts[2] / 4000 < 0.8


def test_weighted_random_sampler_without_replacement():
    s = WeightedRandomSampler([1, 1, 1, 0], num_samples=3, replacement=False, generator=0)
    assert sorted(s) == [0, 1, 2]
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1, 1, 0], num_samples=3, replacement=False)


def test_weighted_random_sampler_validation():
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], num_samples=2)
    with pytest.raises(ValueError, match="not all zero"):
        WeightedRandomSampler([0.0, 0.0], num_samples=2)
    with pytest.raises(ValueError, match="1-D"):
        WeightedRandomSampler([], num_samples=2)


@given(n=st.integers(0, 50), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_batch_sampler_len_and_contents(n, batch_size, drop_last):
    bs = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    batches = list(bs)
    assert len(batches) == len(bs)
    flat = [i for b in batches for i in b]
    if drop_last:
        assert flat == list(range(n - n % batch_size))
        assert all(len(b) == batch_size for b in batches)
    else:
        assert flat == list(range(n))
        assert all(len(b) == batch_size for b in batches[:-1])


def test_batch_sampler_validation():
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(TypeError, match="drop_last"):
        BatchSampler(range(3), 2, None)  # type: ignore[arg-type]
