"""Training examples: ``python -m examples.mnist`` and ``python -m examples.cifar10``."""
