"""Run with the MNIST example's options, as one process or under mpiexec: the example in
float64 (model and images), to compare one process with N ranks to 1e-9."""

import dataclasses
import sys

import numpy as np

from autograd_np.data import transforms as T
from examples import mnist
from examples.training import run_main


class ToDouble(T.Transform):
    """float64 images."""

    def __call__(self, image):
        return np.asarray(image, dtype=np.float64)

    def apply_batch(self, images):
        return np.asarray(images, dtype=np.float64)


def load(root, train, generator, args):  # the example's data, in float64
    ds = mnist.load(root, train, generator, args)
    ds.transform = T.Compose([ds.transform, ToDouble()])
    return ds


def in_float64(factory):
    return lambda channels, size, generator: factory(channels, size, generator).double()


models = {name: in_float64(factory) for name, factory in mnist.TASK.models.items()}
task = dataclasses.replace(mnist.TASK, load=load, models=models)
sys.exit(run_main(task))
