"""What the sequence-model trainers share: one torch thread while training (core.torch_threads), a fingerprint of
the weights."""

from __future__ import annotations

import hashlib

import numpy as np
import torch


def fingerprint(module: torch.nn.Module) -> str:
    """A short hash of every parameter's bytes: equal weights give equal fingerprints (a cache key for what the
    page computes from a trained model, whichever session trained it)."""
    digest = hashlib.sha1()
    for name, value in module.state_dict().items():
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(value.detach().cpu().numpy()).tobytes())
    return digest.hexdigest()[:16]
