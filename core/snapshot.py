"""Trained results shipped with the repository: one ``.npz`` file per (model kind, configuration, seed).

A training page opens on a trained result instead of an empty chart: ``scripts/make_pretrained.py`` trains
each page's default runs once and writes them here; a page's :class:`ui.training.Run` loads the file whose name
matches its configuration, or finds none and starts untrained. The files hold arrays and one JSON header only,
and are read with ``allow_pickle=False``: loading one runs no code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from core.errors import InputError

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
_META = "__meta__"


def snapshot_name(kind: str, config: object, seed: int) -> str:
    """``<kind>-<12 hex>``: the hash of the configuration's repr and the seed.

    A frozen dataclass's repr lists every field with its value, so any changed hyperparameter (or a field
    added to the class later) gives another name: a stale file is never loaded for a configuration it was not
    trained with.
    """
    digest = hashlib.sha1(f"{kind}|{config!r}|{seed}".encode()).hexdigest()[:12]
    return f"{kind}-{digest}"


def snapshot_path(kind: str, config: object, seed: int, directory: Path = PRETRAINED_DIR) -> Path:
    return directory / f"{snapshot_name(kind, config, seed)}.npz"


def save_snapshot(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Arrays as float32 where they are floating point (weights: half the size, as trained), meta as JSON; an array
    the caller already made float16 stays float16 (half again, for a small shipped run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = {
        k: (v.astype(np.float32) if np.issubdtype(v.dtype, np.floating) and v.dtype != np.float16 else v)
        for k, v in arrays.items()
    }
    header = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    np.savez_compressed(path, **{_META: header}, **stored)


def load_snapshot(path: Path) -> tuple[dict[str, np.ndarray], dict] | None:
    """(arrays, meta) of a snapshot file, or None when there is no such file."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != _META}
        meta = json.loads(data[_META].tobytes().decode())
    return arrays, meta


def module_arrays(module) -> dict[str, np.ndarray]:
    """A torch module's parameters and buffers by name (``state_dict``), as arrays."""
    return {key: value.detach().cpu().numpy() for key, value in module.state_dict().items()}


def load_module_arrays(module, arrays: dict[str, np.ndarray]) -> None:
    """Put arrays written by :func:`module_arrays` back into a module of the same architecture, in place."""
    import torch  # only trainers that own torch modules call this: the import is theirs already

    module.load_state_dict({key: torch.from_numpy(np.asarray(arrays[key])) for key in module.state_dict()})


def require_finished(trainer) -> None:
    """Only a finished run is shipped: a restored one is never trained further (its optimizer is not kept)."""
    if not trainer.finished:
        raise InputError("Only a finished run can be shipped: train it to the end of its budget first.")


def save_module_run(trainer, module, path: Path, **extra) -> Path:
    """A finished run of one torch ``module``: its weights, its loss curve (``trainer.losses``), its wall time and
    its divergence, plus ``extra`` counters of its own."""
    require_finished(trainer)
    meta = {
        "losses": trainer.losses,
        "train_seconds": trainer.train_seconds,
        "diverged": trainer.diverged_reason,
        **extra,
    }
    save_snapshot(path, module_arrays(module), meta)
    return path


def restore_module_run(trainer, module, path: Path) -> dict | None:
    """Load what :func:`save_module_run` wrote into a freshly built ``trainer`` / ``module``, in place; returns
    the file's meta (for the caller's own counters), or None when there is no such file."""
    found = load_snapshot(path)
    if found is None:
        return None
    arrays, meta = found
    load_module_arrays(module, arrays)
    trainer.losses = [float(v) for v in meta["losses"]]
    trainer.train_seconds = float(meta["train_seconds"])
    trainer.diverged_reason = meta["diverged"]
    return meta
