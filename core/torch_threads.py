"""The one ``torch_threads`` block every torch trainer of the course runs its work in.

torch is imported inside the function, not here: modules that torch-free pages import (core.rl.common, for the
RL comparison page) use this one, and importing torch costs ~0.8 s and ~300 MB.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

TRAIN_THREADS = 1
"""Intra-op threads while training. The course's networks are tiny (≤ 128 wide), so a second OpenMP thread only
adds synchronisation, and with other work on the 2 cores it degrades badly (measured: a VAE's 60 epochs in 2.0 s
on one thread, 34 s on two under load; a GAN round 5 ms on one thread, 65–230 ms on two while other jobs ran; a
2×64 DQN update faster on one thread than on two)."""


@contextlib.contextmanager
def torch_threads(n: int = TRAIN_THREADS) -> Iterator[None]:
    """Run a block with ``n`` intra-op threads and restore the previous setting afterwards."""
    import torch  # here: importing this module must not import torch (see the module docstring)

    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


_GLOBAL_RNG = threading.RLock()
"""Held while a block draws from torch's global generator (see :func:`seeded_global_rng`)."""


@contextlib.contextmanager
def seeded_global_rng(seed: int) -> Iterator[None]:
    """Run a block with torch's global generator seeded with ``seed``, and restore it afterwards
    (``torch.random.fork_rng``), under one process-wide lock.

    Why the lock: PyTorch's default initialisation draws from the global generator, and every browser session's
    script thread shares it. ``fork_rng`` restores its state but does not make it the thread's own: two sessions
    building models at the same moment drew from it in turn, and each got weights of neither seed (bench_load,
    20 sessions at once: the tiny transformer and VAE vs GAN drew other numbers than their own seed gives).
    """
    import torch  # here: importing this module must not import torch (see the module docstring)

    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
