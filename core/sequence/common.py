"""What the sequence-model trainers share: one torch thread while training, a fingerprint of the weights."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

import numpy as np
import torch

TRAIN_THREADS = 1
"""Intra-op threads while training: these models are tiny (≤ 64 wide), so a second OpenMP thread only adds
synchronisation, and with other work on the 2 cores it degrades badly (the reasoning of core.generative.vae)."""


@contextlib.contextmanager
def torch_threads(n: int = TRAIN_THREADS) -> Iterator[None]:
    """Run a block with ``n`` intra-op threads and restore the previous setting afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def fingerprint(module: torch.nn.Module) -> str:
    """A short hash of every parameter's bytes: equal weights give equal fingerprints (a cache key for what the
    page computes from a trained model, whichever session trained it)."""
    digest = hashlib.sha1()
    for name, value in module.state_dict().items():
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(value.detach().cpu().numpy()).tobytes())
    return digest.hexdigest()[:16]
