"""What every live trainer offers the training session (``ui/training.py``): the protocol, no UI.

A trainer is any object that learns in chunks. The session calls ``train_chunk`` again and again, reads the
counters to draw a progress bar, and stops when ``finished``. Each model keeps its own curves; when a loss stops
being finite it sets ``diverged_reason`` and keeps the curves up to the last good step.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Trainable(Protocol):
    """The small protocol of a live trainer (DQN, REINFORCE, actor-critic, the MLP, the DDPM ε-network, ...)."""

    steps: int
    """Units of training done so far (environment steps, gradient steps: ``unit`` of the session names them)."""
    train_seconds: float
    """Wall time spent inside ``train_chunk`` so far."""
    diverged_reason: str | None
    """Why training stopped early (a loss or value that is no longer finite), or None while healthy."""

    @property
    def total_steps(self) -> int | None:
        """The budget in the same units as ``steps``; None for a trainer that runs until paused."""
        ...

    @property
    def finished(self) -> bool:
        """True once the budget is spent or training diverged: the session stops calling ``train_chunk``."""
        ...

    def train_chunk(self, n_steps: int) -> None:
        """Train for at most ``n_steps`` units (fewer at the end of the budget or on divergence)."""
        ...
