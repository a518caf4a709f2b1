"""One training session for every live trainer: Train / Pause / Step / Reset, progress, live figure, caching.

Any object with the small :class:`core.training.Trainable` protocol (``train_chunk``, ``steps``,
``total_steps``, ``finished``, ``train_seconds``, ``diverged_reason``) can be driven. A page declares its runs,
draws the controls, and hands a draw function to :meth:`TrainingSession.live`::

    session = TrainingSession("dqn", [Run("DQN", key=(cfg, seed), factory=lambda: DQNTrainer(cfg, seed))],
                              chunk=500, unit="environment steps")
    session.controls()                                   # the buttons and the progress bar
    session.live(lambda trainers: ui.figure(curves(trainers)))   # redrawn after every chunk while training

Where the time goes: while training, only the ``live`` fragment reruns (a redraw, then one chunk per trainer);
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
pre-trained result opens on it; ``scripts/make_pretrained.py`` writes those results through each run's ``ship``.

Chunks are sized by time: each round trains about ``chunk_seconds`` in all (measured throughput of each run,
never more than ``chunk`` units), so a frame comes every few tenths of a second and Pause lands within one of
them, whatever the model costs. Rounds hold a per-session lock: with Streamlit's fast reruns a click starts a
new run while the old one still finishes its chunk, and the new run (or a Step) waits for it instead of reading
a half-trained model or training it from two threads.
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
from ui import recording

MAX_RUNS_PER_SESSION = 12
"""Trainers kept per page and session; the least recently used is dropped first."""
MAX_SHARED_RESULTS = 32
"""Finished runs kept for all sessions (each handed out as a copy)."""
CHUNK_SECONDS = 0.35
"""Training time per round (all runs together): short enough for a live picture and a prompt Pause."""
RUNS_KEY = "_train_runs"
"""session_state: session name → its runs, as the page declared them (scripts/make_pretrained.py reads it)."""

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
    ship: Callable[[Trainable], object] | None = None
    """Writes a trained trainer as this key's shipped result (used by ``scripts/make_pretrained.py``)."""
    ship_steps: int | None = None
    """How far to train the shipped result of a run without a budget (``total_steps`` None)."""


def timed_chunk(steps: int, train_seconds: float, seconds: float, limit: int) -> int:
    """Units that take about ``seconds`` at the speed measured so far (``train_seconds / steps`` per unit), in
    [1, limit].

    Before any measurement a small first chunk (a sixteenth of a large limit) measures the speed; a trainer
    that does not time itself (``train_seconds`` stays 0) trains whole chunks.
    """
    if steps <= 0:
        return limit if limit < 64 else limit // 16
    if train_seconds <= 0:
        return limit
    return int(min(limit, max(1, round(seconds / (train_seconds / steps)))))


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
        chunk_seconds: float = CHUNK_SECONDS,
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
        self.chunk_seconds = chunk_seconds
        self._running_key = f"_train_running_{name}"
        self._chunk_key = f"_train_chunk_seconds_{name}"
        """session_state: the wall seconds of the last chunk trained (shown on the next frame's progress line)."""
        self._origin_key = f"_train_origin_{name}"
        self._store: OrderedDict = st.session_state.setdefault(f"_train_store_{name}", OrderedDict())
        self._origin: dict = st.session_state.setdefault(self._origin_key, {})
        self._lock = st.session_state.setdefault(f"_train_lock_{name}", threading.RLock())
        st.session_state.setdefault(RUNS_KEY, {})[name] = list(runs)
        # a chunk still training in an interrupted run finishes first: this run then reads whole chunks only
        with self._lock:
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

    def _train_round(self, n_steps: int, *, timed: bool = False) -> None:
        """One chunk for every unfinished trainer (``timed``: sized to the time budget, at most ``n_steps``);
        a finished, healthy run is offered to the shared store."""
        with self._lock:
            pending = [run for run in self.runs.values() if not self._store[run.key].finished]
            for run in pending:
                trainer = self._store[run.key]
                size = (
                    timed_chunk(trainer.steps, trainer.train_seconds, self.chunk_seconds / len(pending), n_steps)
                    if timed
                    else n_steps
                )
                trainer.train_chunk(size)
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

    def act(self, label: str, move: Callable[[Trainable], object]) -> None:
        """A page's own move on one run (e.g. a single discriminator update), for an ``on_click`` callback:
        training pauses, and ``move(trainer)`` runs under the session lock on this session's trainer for
        ``label`` (built by its factory when there is none), which then counts as trained live."""
        self.pause()
        with self._lock:
            run = self.runs[label]
            if run.key not in self._store:
                self._put(run.key, run.factory(), LIVE)
            move(self._store[run.key])
            self._origin[run.key] = LIVE

    def _on_step(self) -> None:
        st.session_state[self._running_key] = False
        self._ensure_trainers()
        self._train_round(self.step)

    def _on_reset(self) -> None:
        st.session_state[self._running_key] = False
        recording.clear(self.name)
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
        # always four columns and one element per column: the row keeps its shape between runs (no button
        # jumping, no faded leftover of the previous run's layout while a chunk trains)
        columns = box.columns(4)
        shortcut = self._space_shortcut()
        if running:
            columns[0].button(
                "Pause",
                key=f"{self.name}_pause",
                icon=":material/pause:",
                on_click=self._on_pause,
                width="stretch",
                type="primary",
                shortcut=shortcut,
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
                shortcut=shortcut,
                help=f"Trains in chunks of about {self.chunk_seconds:.2g} s (at most {self.chunk:,} "
                f"{self._unit(self.chunk)}), redrawing after each.",
            )
        if show_step:
            columns[1].button(
                "Step",
                key=f"{self.name}_step",
                icon=":material/skip_next:",
                on_click=self._on_step,
                disabled=done,
                width="stretch",
                help=f"Trains {self.step:,} {self._unit(self.step)}, then waits.",
            )
        columns[2 if show_step else 1].button(
            "Reset",
            key=f"{self.name}_reset",
            icon=":material/restart_alt:",
            on_click=self._on_reset,
            width="stretch",
            help="Starts these runs again from their initial weights (same seed).",
        )
        # the same element in both states: the line while idle, an empty one while the live view shows progress
        box.caption(self.progress_text() if not running else "\u00a0")
        if running:
            st.session_state[self._running_key] = True
        return self.trainers()

    def _space_shortcut(self) -> str | None:
        """The space bar plays/pauses the first training session a page draws (lecture mode's keyboard); a
        second session on the same page keeps its buttons without it (one key, one button)."""
        run = st.session_state.get("_ui_run")
        if run is None:
            return "Space"
        owner = run.setdefault("space_session", self.name)
        return "Space" if owner == self.name else None

    def _unit(self, n: int) -> str:
        """``unit`` for n of them ("1 gradient step", "25 gradient steps")."""
        return self.unit[:-1] if n == 1 and self.unit.endswith("s") else self.unit

    def progress_text(self) -> str:
        """ "1,200 / 5,000 environment steps · 3.1 s" summed over the runs, with where the shown result is from."""
        trainers = [t for t in self.trainers().values() if t is not None]
        if not trainers:
            return f"Not trained yet: press {self.train_label}."
        seconds = sum(t.train_seconds for t in trainers)
        shown = {label: t for label, t in self.trainers().items() if t is not None}
        parts = [
            f"{t.steps:,}" + (f" / {t.total_steps:,}" if t.total_steps is not None else "") for t in shown.values()
        ]
        if len(shown) > 1:  # one count per run: "DQN 4,000 / 40,000 · Double DQN 4,000 / 40,000 steps"
            parts = [f"{label} {part}" for label, part in zip(shown, parts)]
        origins = {self.origin(label) for label in self.runs}
        note = ""
        if SHIPPED in origins:
            note = f" · shipped pre-trained result: Reset, then {self.train_label}, to redo it live"
        elif SHARED in origins:
            note = " · a result trained earlier with these settings"
        return f"{' · '.join(parts)} {self.unit} · {seconds:.1f} s{note}"

    def _steps_label(self) -> tuple[str, str]:
        """Where training is, for a recorded frame: ("1,200", "gradient steps: "), summed over the runs."""
        steps = sum(t.steps for t in self.trainers().values() if t is not None)
        return f"{steps:,}", f"{self.unit}: "

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
                last = st.session_state.get(self._chunk_key)
                self._show_progress(st.empty(), self.progress_text() + (f" · chunk {last:.2f} s" if last else ""))
                from ui import contract, live_chart

                live_chart.begin_frame(self.name)  # each figure of the frame: the same live graph as last frame
                # figures of a moving frame (no mode bar, no export), and one frame of the run's recording
                with contract.live_frame(), recording.drawing(self.name, live=True, label=self._steps_label):
                    draw(self.trainers())
                # The frame first, then the chunk: Streamlit stops a run for a newer request only where the run
                # sends an element, and the browser's timer asks for the next run every `interval` whether this
                # one has ended or not. With the chunk first, a run longer than the timer (a 0.35 s chunk, a
                # 0.2 s timer) was stopped at its first element after training, every time: the models trained,
                # but in Chromium the figures of DQN, the policy gradients, the digit diffusions … never moved.
                # Now the frame is out before the chunk starts, and the chunk has no element to be stopped at.
                # (The frame shows the state before this chunk: the next run draws this chunk's result.)
                start = time.perf_counter()
                self._train_round(self.chunk, timed=True)
                st.session_state[self._chunk_key] = time.perf_counter() - start
                if self.all_finished():
                    st.session_state[self._running_key] = False
                    st.rerun()
            else:
                with recording.drawing(self.name, live=False):  # paused: each figure finds its recording
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
