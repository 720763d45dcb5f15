"""Run under mpiexec -n 2: SyncBatchNorm on 2 ranks, each with half of a batch, gives the
output, first and second derivatives of batch norm on the whole batch in 1 process
(float64): the closed-form numpy backward and, with create_graph, the differentiable one.
Channels-last input (a convolution's layout) takes the per-channel kernels' other path."""

import numpy as np

import autograd_np as torch
import autograd_np.distributed as dist
import autograd_np.nn as nn

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
for layout in ("nchw", "channels_last"):
    x = rng.standard_normal((6, 3, 4, 5)) * 2.0 + 1.0
    if layout == "channels_last":  # (N, H, W, C) memory seen as (N, C, H, W)
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    c = rng.standard_normal(x.shape)  # the loss's weights: L = sum(c * bn(x))
    v = rng.standard_normal(x.shape)  # the direction of the second derivative
    share = slice(rank * 3, rank * 3 + 3)

    def run(x_part, c_part, v_part, layer):
        xt = torch.tensor(x_part, requires_grad=True)
        out = layer(xt)
        loss = (out * torch.tensor(c_part)).sum()
        w, b = layer.weight, layer.bias
        first = torch.autograd.grad(loss, [xt, w, b], retain_graph=True)  # numpy backward
        gx, gw = torch.autograd.grad(loss, [xt, w], create_graph=True)
        h = (gx * torch.tensor(v_part)).sum() + (gw * torch.tensor([1.0, -1.0, 2.0])).sum()
        second = torch.autograd.grad(h, [xt, w])
        return (
            out.detach().numpy(),
            [g.detach().numpy() for g in first],
            [g.detach().numpy() for g in second],
            layer,
        )

    def layer(cls):
        m = cls(3).double()
        with torch.no_grad():
            m.weight.copy_(torch.tensor([0.5, 1.5, -2.0], dtype=torch.float64))
            m.bias.copy_(torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64))
        return m

    ref = run(x, c, v, layer(nn.BatchNorm2d))
    got = run(x[share], c[share], v[share], layer(nn.SyncBatchNorm))
    np.testing.assert_allclose(got[0], ref[0][share], rtol=0, atol=1e-12)
    # x's gradients: this rank's rows; the parameters': this rank's share, summed over ranks
    for mine, whole in ((got[1], ref[1]), (got[2], ref[2])):
        np.testing.assert_allclose(mine[0], whole[0][share], rtol=0, atol=1e-11, err_msg=layout)
        for p, q in zip(mine[1:], whole[1:]):
            total = p.copy()
            dist.all_reduce(total)
            np.testing.assert_allclose(total, q, rtol=0, atol=1e-11, err_msg=layout)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(
            getattr(got[3], name).numpy(), getattr(ref[3], name).numpy(), rtol=0, atol=1e-13
        )
print(f"rank {rank}: ok", flush=True)
dist.destroy_process_group()
