"""Run under mpiexec -n 2: every collective on Tensors and arrays, checked on each rank."""

import os

import numpy as np

import autograd_np as torch
import autograd_np.distributed as dist

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2 and dist.is_initialized()
# both ranks on this machine: each takes half of its cores (one thread on 2 cores), unless
# the program chose a number first
cores = len(os.sched_getaffinity(0))
assert torch.get_num_threads() == max(1, cores // 2), (torch.get_num_threads(), cores)

t = torch.tensor([1.0, 2.0, 3.0]) * (rank + 1)
v0 = t._version
dist.all_reduce(t)
np.testing.assert_array_equal(t.array, [3.0, 6.0, 9.0])
assert t._version > v0, "all_reduce must record its in-place change"

a = np.full((2, 2), float(rank + 1))
dist.all_reduce(a, op=dist.ReduceOp.AVG)
np.testing.assert_array_equal(a, np.full((2, 2), 1.5))
m = np.array([rank, -rank], dtype=np.int64)
dist.all_reduce(m, op=dist.ReduceOp.MAX)
np.testing.assert_array_equal(m, [1, 0])

# a non-contiguous view is reduced through a copy and written back
base = np.arange(12, dtype=np.float64).reshape(3, 4) * (rank + 1)
view = base[:, ::2]
dist.all_reduce(view)
np.testing.assert_array_equal(base[:, ::2], np.arange(12).reshape(3, 4)[:, ::2] * 3)

b = torch.tensor([float(rank)] * 4)
dist.broadcast(b, src=1)
np.testing.assert_array_equal(b.array, [1.0] * 4)

outs = [torch.zeros(2) for _ in range(world)]
dist.all_gather(outs, torch.tensor([rank, rank + 10.0]))
np.testing.assert_array_equal(np.stack([o.array for o in outs]), [[0, 10], [1, 11]])

big = torch.zeros(4)
dist.all_gather_into_tensor(big, torch.tensor([rank, rank + 10.0]))
np.testing.assert_array_equal(big.array, [0, 10, 1, 11])

out = torch.zeros(3)
dist.reduce_scatter(out, [torch.ones(3) * (rank + 1), torch.ones(3) * 10 * (rank + 1)])
np.testing.assert_array_equal(out.array, np.full(3, 3.0 if rank == 0 else 30.0))

out2 = np.zeros(2)
dist.reduce_scatter_tensor(out2, np.arange(4, dtype=np.float64))
np.testing.assert_array_equal(out2, [0.0, 2.0] if rank == 0 else [4.0, 6.0])

w = torch.ones(5) * (rank + 1)
work = dist.all_reduce(w, async_op=True)
work.wait()
np.testing.assert_array_equal(w.array, np.full(5, 3.0))
dist.barrier()

# the differentiable all-reduce: the gradient is the all-reduce of the gradients
x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = dist.functional.all_reduce(x * (rank + 1))
np.testing.assert_array_equal(y.array, [3.0, 6.0])
(y * (rank + 1)).sum().backward()
# d/dx_r of sum_k sum_i (k+1) y_i, y = sum_r (r+1) x_r: (r+1) * (1 + 2)
np.testing.assert_array_equal(x.grad.array, np.full(2, 3.0 * (rank + 1)))

try:
    dist.all_gather([torch.zeros(2)], torch.zeros(2))
except ValueError as e:
    assert "2 ranks" in str(e)
else:
    raise AssertionError("all_gather with a short list must raise")

dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: ok")
