"""Results every session may share because their inputs say all that they depend on: the samples of a model, keyed by
a digest of its weights and the sampler's settings.

Why: a new session opens a page on the shipped pre-trained model, the same weights for everyone, and sampling from it
(then building the figures of the samples) was most of a new visitor's first run of the diffusion page (~200 ms of
~320 ms). Keyed by the weights themselves, not by the trainer object, a result is shared exactly when it would be
equal: two sessions that trained the same config to the same step hold the same weights and share, a session that
paused elsewhere does not.

The values are never mutated once stored (every session reads the same object), unlike ``st.session_state``'s
per-session memos.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import torch

T = TypeVar("T")


def weights_digest(module: torch.nn.Module) -> str:
    """A digest of every parameter and buffer of ``module`` (names, shapes, dtypes and bytes): equal exactly when the
    weights are. ~0.2 ms for the 2-D diffusion page's ε_θ (35k numbers)."""
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in module.state_dict().items():
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype};".encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


class SharedMemo:
    """A process-wide memo of at most ``max_entries`` values (the least recently used dropped first)."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T], still_valid: Callable[[], bool] = lambda: True) -> T:
        """The value stored under ``key``, else ``make()``, stored only if ``still_valid()`` holds after it (a
        trainer whose weights moved while the value was made: shown once, not remembered under the old key). Two
        sessions asking for a new key at once may both make it; the value is the same, and the first one stored
        stays."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        if still_valid():
            with self._lock:
                value = self._entries.setdefault(key, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_NAMED: dict[str, SharedMemo] = {}
_NAMED_LOCK = threading.Lock()


def named(name: str, max_entries: int) -> SharedMemo:
    """The process's memo called ``name`` (made on first use): a page script runs anew on every rerun, so its own
    globals cannot hold one."""
    with _NAMED_LOCK:
        return _NAMED.setdefault(name, SharedMemo(max_entries))


def clear_all() -> None:
    """Empty every named memo (tests: each starts as a fresh server would)."""
    with _NAMED_LOCK:
        memos = list(_NAMED.values())
    for memo in memos:
        memo.clear()
