"""The example networks, built from the public ``autograd_np.nn`` API only.

Every constructor takes a ``generator`` (an ``np.random.Generator``) that initialises all
of its layers in turn, so one seed gives one model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import autograd_np.nn as nn
from autograd_np import Tensor


def lenet(in_channels: int, size: int, generator: np.random.Generator) -> nn.Module:
    """LeNet-5 style: two 5x5 convolutions with max pooling, three linear layers."""
    g = generator
    flat = 16 * ((size // 2 - 4) // 2) ** 2
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2, generator=g),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, generator=g),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(flat, 120, generator=g),
        nn.ReLU(),
        nn.Linear(120, 84, generator=g),
        nn.ReLU(),
        nn.Linear(84, 10, generator=g),
    )


def seed(in_channels: int, size: int, generator: np.random.Generator) -> nn.Module:
    """The original notebook's network: two 3x3 stride-2 convolutions with 12 and 24
    channels, batch norm and ReLU, then a linear softmax head."""
    g = generator
    out = (size + 1) // 2
    out = (out + 1) // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, 12, 3, 2, 1, bias=False, generator=g),
        nn.BatchNorm2d(12),
        nn.ReLU(),
        nn.Conv2d(12, 24, 3, 2, 1, bias=False, generator=g),
        nn.BatchNorm2d(24),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(24 * out * out, 10, generator=g),
    )


def _conv_bn(cin: int, cout: int, g: np.random.Generator) -> list[nn.Module]:
    return [
        nn.Conv2d(cin, cout, 3, padding=1, bias=False, generator=g),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    ]


def bncnn(in_channels: int, size: int, generator: np.random.Generator) -> nn.Module:
    """A small batch-norm CNN: two stages of two 3x3 conv-BN-ReLU with max pooling, then
    global average pooling and a linear head."""
    g = generator
    return nn.Sequential(
        *_conv_bn(in_channels, 32, g),
        *_conv_bn(32, 32, g),
        nn.MaxPool2d(2),
        *_conv_bn(32, 64, g),
        *_conv_bn(64, 64, g),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * (size // 4) ** 2, 10, generator=g),
    )


def vgg(in_channels: int, size: int, generator: np.random.Generator) -> nn.Module:
    """VGG style: three stages of two 3x3 conv-BN-ReLU (64, 128, 256 channels), each
    followed by 2x2 max pooling, then global max pooling and a linear head."""
    g = generator
    layers: list[nn.Module] = []
    cin = in_channels
    for width in (64, 128, 256):
        layers += _conv_bn(cin, width, g) + _conv_bn(width, width, g)
        layers.append(nn.MaxPool2d(2))
        cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10, generator=g)]
    return nn.Sequential(*layers)


class Scale(nn.Module):
    """Multiply by a constant (keeps the logits of a wide head small at the start)."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x: Tensor) -> Tensor:
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


class Residual(nn.Module):
    """``x + body(x)``."""

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def resnet(in_channels: int, size: int, generator: np.random.Generator) -> nn.Module:
    """A small ResNet in the style of the fast CIFAR-10 ResNet-9: a stem, three stages of
    conv-pool-BN-ReLU (the first and last with a residual block of two conv-BN-ReLU), then
    global max pooling and a scaled linear head."""
    g = generator

    def stage(cin: int, cout: int) -> list[nn.Module]:
        return [
            nn.Conv2d(cin, cout, 3, padding=1, bias=False, generator=g),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
        ]

    def block(c: int) -> nn.Module:
        return Residual(nn.Sequential(*_conv_bn(c, c, g), *_conv_bn(c, c, g)))

    return nn.Sequential(
        *_conv_bn(in_channels, 32, g),
        *stage(32, 64),
        block(64),
        *stage(64, 128),
        *stage(128, 256),
        block(256),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(256, 10, bias=False, generator=g),
        Scale(0.125),
    )


ModelFactory = Callable[[int, int, np.random.Generator], nn.Module]

MODELS: dict[str, ModelFactory] = {
    "lenet": lenet,
    "seed": seed,
    "bncnn": bncnn,
    "vgg": vgg,
    "resnet": resnet,
}
"""Every example network, by name."""

# What each example offers: small networks for 28x28 digits; for CIFAR-10 the deeper
# ones that its harder task needs, with LeNet and the notebook's network to compare.
MNIST_MODELS: dict[str, ModelFactory] = {k: MODELS[k] for k in ("lenet", "seed", "bncnn")}
CIFAR10_MODELS: dict[str, ModelFactory] = {k: MODELS[k] for k in ("lenet", "seed", "vgg", "resnet")}
