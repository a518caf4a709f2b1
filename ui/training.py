"""One training session for every live trainer: Train / Pause / Step / Reset, progress, live figure, caching.

Any object with the small :class:`core.training.Trainable` protocol (``train_chunk``, ``steps``,
``total_steps``, ``finished``, ``train_seconds``, ``diverged_reason``) can be driven. A page declares its runs,
draws the controls, and hands a draw function to :meth:`TrainingSession.live`::

    session = TrainingSession("dqn", [Run("DQN", key=(cfg, seed), factory=lambda: DQNTrainer(cfg, seed))],
                              chunk=500, unit="environment steps")
    session.controls()                                   # the buttons and the progress bar
    session.live(lambda trainers: ui.figure(curves(trainers)))   # redrawn after every chunk while training

Where the time goes: while training, only the ``live`` fragment reruns (one chunk per trainer, then a redraw);
the rest of the page is drawn once when training stops. Pause is a button outside the fragment, so Streamlit
interrupts the fragment at its next element: the stop takes effect within one chunk. The buttons act through
``on_click`` callbacks, which run before the script; Streamlit (1.67) keeps a click's trigger when it coalesces
it with the fragment's timer reruns. Measured in Chromium on the neural-network trainer (a 0.1 s timer): no
Play or Pause click lost or replayed in 12 cycles, the same as with the buttons drawn inside the fragment.

Runs without a budget (``total_steps`` None, e.g. the neural-network trainer, which trains until paused) show
a progress line instead of a bar. A page that draws its untrained model before the first press passes
``build_untrained=True``; ``train_label`` / ``continue_label`` name the first button before and after training
started ("Play" twice for a run without a budget); a page's own callback (an edit of the data) stops training
with :meth:`TrainingSession.pause`.

State: trainers live in ``st.session_state`` (per browser session, never shared, released with the session),
keyed by their configuration, so moving a plot control never retrains and going back to earlier settings finds
the earlier run. A run that finished is also kept, as a private copy, in a small process-wide store: another
session asking for the same configuration gets its own copy instead of training again. A run with a shipped
pre-trained result opens on it.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import streamlit as st

from core.training import Trainable

MAX_RUNS_PER_SESSION = 12
"""Trainers kept per page and session; the least recently used is dropped first."""
MAX_SHARED_RESULTS = 32
"""Finished runs kept for all sessions (each handed out as a copy)."""

SHIPPED = "shipped"
SHARED = "shared"
LIVE = "live"


@dataclass(frozen=True)
class Run:
    """One model a page trains."""

    label: str
    """What the page calls it ("DQN", "residual", "ε-network")."""
    key: Hashable
    """Its configuration (hyperparameters and seed): two runs with equal keys are the same training."""
    factory: Callable[[], Trainable]
    """Builds a fresh, untrained trainer for ``key``."""
    pretrained: Callable[[], Trainable | None] | None = None
    """Returns a trained copy shipped with the repository for this key, or None when there is none."""


class _SharedResults:
    """Finished trainers for all sessions: a bounded LRU map guarded by a lock, handing out deep copies."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Trainable] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Trainable | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return copy.deepcopy(item)

    def put(self, key: Hashable, trainer: Trainable) -> None:
        snapshot = copy.deepcopy(trainer)
        with self._lock:
            self._items[key] = snapshot
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _shared_results() -> _SharedResults:
    return _SharedResults(MAX_SHARED_RESULTS)


class TrainingSession:
    """The controls, the chunked loop and the per-session store of one page's trainers."""

    def __init__(
        self,
        name: str,
        runs: list[Run],
        *,
        chunk: int,
        unit: str = "steps",
        step: int | None = None,
        frame_seconds: float = 0.2,
        train_label: str = "Train",
        continue_label: str = "Continue",
        build_untrained: bool = False,
    ) -> None:
        """``name`` is unique per page (it prefixes state and button keys); ``chunk`` units are trained per
        trainer between two redraws; ``step`` units per press of Step (default: one chunk). The first button
        reads ``train_label`` before any training and ``continue_label`` after. ``build_untrained``: a run with
        nothing kept, shared or shipped is built by its factory at once (untrained), so the page can draw its
        initial state instead of receiving None."""
        self.name = name
        self.runs = {run.label: run for run in runs}
        self.chunk = chunk
        self.unit = unit
        self.step = step or chunk
        self.frame_seconds = frame_seconds
        self.train_label = train_label
        self.continue_label = continue_label
        self.build_untrained = build_untrained
        self._running_key = f"_train_running_{name}"
        self._origin_key = f"_train_origin_{name}"
        self._store: OrderedDict = st.session_state.setdefault(f"_train_store_{name}", OrderedDict())
        self._origin: dict = st.session_state.setdefault(self._origin_key, {})
        for run in runs:
            self._adopt(run)

    # --- the store
    def _adopt(self, run: Run) -> None:
        """Put a trainer for ``run.key`` into this session's store: this session's own, else a finished
        shared copy, else the shipped pre-trained one; leave it empty when there is none."""
        if run.key in self._store:
            self._store.move_to_end(run.key)
            return
        trainer = _shared_results().get(run.key)
        origin = SHARED
        if trainer is None and run.pretrained is not None:
            trainer, origin = run.pretrained(), SHIPPED
        if trainer is None and self.build_untrained:
            trainer, origin = run.factory(), LIVE
        if trainer is not None:
            self._put(run.key, trainer, origin)

    def _put(self, key: Hashable, trainer: Trainable, origin: str) -> None:
        self._store[key] = trainer
        self._store.move_to_end(key)
        self._origin[key] = origin
        while len(self._store) > MAX_RUNS_PER_SESSION:
            old, _ = self._store.popitem(last=False)
            self._origin.pop(old, None)

    def trainers(self) -> dict[str, Trainable | None]:
        """label → its trainer in this session (None where never trained and nothing shipped)."""
        return {label: self._store.get(run.key) for label, run in self.runs.items()}

    def origin(self, label: str) -> str | None:
        """Where the run shown under ``label`` came from: "shipped", "shared" or "live" (None: nothing yet)."""
        return self._origin.get(self.runs[label].key) if self.runs[label].key in self._store else None

    @property
    def running(self) -> bool:
        return bool(st.session_state.get(self._running_key))

    def _ensure_trainers(self) -> dict[str, Trainable]:
        for run in self.runs.values():
            if run.key not in self._store:
                self._put(run.key, run.factory(), LIVE)
        return {label: self._store[run.key] for label, run in self.runs.items()}

    def _train_round(self, n_steps: int) -> None:
        """One chunk for every unfinished trainer; a finished, healthy run is offered to the shared store."""
        for run in self.runs.values():
            trainer = self._store[run.key]
            if trainer.finished:
                continue
            trainer.train_chunk(n_steps)
            self._origin[run.key] = LIVE
            if trainer.finished and trainer.diverged_reason is None:
                _shared_results().put(run.key, trainer)

    def all_finished(self) -> bool:
        trainers = self.trainers()
        return all(t is not None and t.finished for t in trainers.values())

    # --- callbacks (they run before the script, so a click is never lost or replayed)
    def _on_train(self) -> None:
        st.session_state[self._running_key] = True

    def _on_pause(self) -> None:
        self.pause()

    def pause(self) -> None:
        """Stop training after the chunk in progress (for a page's own callbacks, e.g. an edit of the data)."""
        st.session_state[self._running_key] = False

    def _on_step(self) -> None:
        st.session_state[self._running_key] = False
        self._ensure_trainers()
        self._train_round(self.step)

    def _on_reset(self) -> None:
        st.session_state[self._running_key] = False
        for run in self.runs.values():
            self._put(run.key, run.factory(), LIVE)

    # --- drawing
    def controls(self, container=None, *, show_step: bool = True) -> dict[str, Trainable | None]:
        """Train (or Continue) / Pause / Step / Reset in one row, and the progress line under it."""
        box = container if container is not None else st.container()
        trainers = self.trainers()
        started = any(t is not None and t.steps > 0 for t in trainers.values())
        done = self.all_finished()
        running = self.running and not done
        columns = box.columns(4 if show_step else 3)
        if running:
            columns[0].button(
                "Pause",
                key=f"{self.name}_pause",
                icon=":material/pause:",
                on_click=self._on_pause,
                width="stretch",
                type="primary",
                help="Stops after the chunk in progress; everything learned so far is kept.",
            )
        else:
            columns[0].button(
                self.continue_label if started and not done else self.train_label,
                key=f"{self.name}_train",
                icon=":material/play_arrow:",
                on_click=self._on_train,
                disabled=done,
                width="stretch",
                type="primary",
                help=f"Trains in chunks of {self.chunk:,} {self.unit}, redrawing after each.",
            )
        if show_step:
            columns[1].button(
                "Step",
                key=f"{self.name}_step",
                icon=":material/skip_next:",
                on_click=self._on_step,
                disabled=done,
                width="stretch",
                help=f"Trains {self.step:,} {self.unit}, then waits.",
            )
        columns[-1].button(
            "Reset",
            key=f"{self.name}_reset",
            icon=":material/restart_alt:",
            on_click=self._on_reset,
            width="stretch",
            help="Starts these runs again from their initial weights (same seed).",
        )
        if not running:
            box.caption(self.progress_text())
        if running:
            st.session_state[self._running_key] = True
        return self.trainers()

    def progress_text(self) -> str:
        """ "1,200 / 5,000 environment steps · 3.1 s" summed over the runs, with where the shown result is from."""
        trainers = [t for t in self.trainers().values() if t is not None]
        if not trainers:
            return f"Not trained yet: press {self.train_label}."
        done = sum(t.steps for t in trainers)
        totals = [t.total_steps for t in trainers]
        seconds = sum(t.train_seconds for t in trainers)
        of = f" / {sum(totals):,}" if all(total is not None for total in totals) else ""
        origins = {self.origin(label) for label in self.runs}
        note = ""
        if SHIPPED in origins:
            note = " · shipped pre-trained result: Reset, then Train, to redo it live"
        elif SHARED in origins:
            note = " · a result trained earlier with these settings"
        return f"{done:,}{of} {self.unit} · {seconds:.1f} s{note}"

    def _fraction(self) -> float | None:
        """Share of the summed budget done; None when a run has no budget (it trains until paused)."""
        trainers = [t for t in self.trainers().values() if t is not None]
        totals = [t.total_steps for t in trainers]
        if not trainers or any(total is None for total in totals):
            return None
        return min(1.0, sum(min(t.steps, t.total_steps) for t in trainers) / max(1, sum(totals)))

    def _show_progress(self, slot, text: str) -> None:
        """A progress bar towards the budget; a plain line for runs without one (a bar would never move)."""
        fraction = self._fraction()
        if fraction is None:
            slot.caption(text)
        else:
            slot.progress(fraction, text=text)

    def live(self, draw: Callable[[dict[str, Trainable | None]], None]) -> None:
        """Draw ``draw(trainers)``; while training, as a fragment that trains one chunk per run and redraws.

        When training ends (budget spent, divergence) the whole page reruns once so every figure shows the
        final state.
        """
        running = self.running and not self.all_finished()
        interval = self.frame_seconds if running else None

        @st.fragment(run_every=interval)
        def _live() -> None:
            if self.running and not self.all_finished():
                self._ensure_trainers()
                progress = st.empty()
                self._show_progress(progress, self.progress_text())
                start = time.perf_counter()
                self._train_round(self.chunk)
                self._show_progress(progress, f"{self.progress_text()} · chunk {time.perf_counter() - start:.2f} s")
                draw(self.trainers())
                if self.all_finished():
                    st.session_state[self._running_key] = False
                    st.rerun()
            else:
                draw(self.trainers())

        _live()

    def divergence_notices(self) -> None:
        """A clear message per diverged run (its curves up to the last good step stay drawn)."""
        from ui import contract as ui

        for label, trainer in self.trainers().items():
            if trainer is not None and trainer.diverged_reason is not None:
                ui.caution(
                    f"**{label}: training diverged** — {trainer.diverged_reason}. The curves end at the last finite step."
                )
