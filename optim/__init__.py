"""Placeholder: filled in by the optim work (issue 4)."""

__all__: list[str] = []
