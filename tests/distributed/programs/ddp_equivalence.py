"""Run under mpiexec -n 2: DistributedDataParallel + SyncBatchNorm on 2 ranks at global
batch B gives the loss and parameters of 1 process at batch B (float64, 20 SGD steps)."""

import numpy as np

import autograd_np as torch
import autograd_np.distributed as dist
import autograd_np.nn as nn
import autograd_np.nn.functional as F
from autograd_np import optim

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
B = 8


def make_model() -> nn.Module:
    g = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1, generator=g),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 5, generator=g),
        nn.BatchNorm1d(5),
    )
    return model.double()


data = np.random.default_rng(1)
xs = data.standard_normal((20, B, 3, 6, 6))
ys = data.integers(0, 5, size=(20, B))

reference = make_model()
ref_opt = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)

model = make_model()
if rank == 1:  # rank 0's values must win at construction
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
assert isinstance(model[1], nn.SyncBatchNorm) and isinstance(model[5], nn.SyncBatchNorm)
ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.0005)  # several buckets
assert len(ddp._buckets) > 1
opt = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
share = slice(rank * B // world, (rank + 1) * B // world)

for step in range(20):
    x, y = torch.tensor(xs[step]), torch.tensor(ys[step])
    ref_opt.zero_grad()
    ref_loss = F.cross_entropy(reference(x), y)
    ref_loss.backward()
    ref_opt.step()

    opt.zero_grad()
    loss = F.cross_entropy(ddp(x[share]), y[share])
    loss.backward()
    opt.step()
    global_loss = np.array([loss.item()])
    dist.all_reduce(global_loss, op=dist.ReduceOp.AVG)
    assert abs(global_loss[0] - ref_loss.item()) < 1e-10, (step, global_loss, ref_loss.item())

ref_state = reference.state_dict()
state = ddp.state_dict()
assert all(k.startswith("module.") for k in state), list(state)
for k, v in ref_state.items():
    np.testing.assert_allclose(state["module." + k].array, v.array, rtol=0, atol=1e-10, err_msg=k)
print(f"rank {rank}: ok")
