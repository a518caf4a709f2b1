"""The shared training session (ui/training.py) driving a counting trainer through AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.training import Trainable


def _app():
    import streamlit as st

    from ui.training import Run, TrainingSession

    class Counter:
        """Adds 1 per step; diverges at ``blow_up`` steps (a NaN loss), keeping its curve up to there."""

        def __init__(self, total, blow_up=None):
            self.steps = 0
            self.train_seconds = 0.0
            self.diverged_reason = None
            self._total = total
            self.blow_up = blow_up
            self.curve = []

        @property
        def total_steps(self):
            return self._total

        @property
        def finished(self):
            return self.diverged_reason is not None or self.steps >= self._total

        def train_chunk(self, n_steps):
            for _ in range(min(n_steps, self._total - self.steps)):
                if self.blow_up is not None and self.steps >= self.blow_up:
                    self.diverged_reason = "the loss became NaN"
                    return
                self.steps += 1
                self.curve.append(float(self.steps))

    total = st.query_params.get("total", "10")
    blow_up = st.query_params.get("blow_up")
    config = (int(total), None if blow_up is None else int(blow_up))
    shipped = st.query_params.get("shipped") == "1"

    def pretrained():
        trained = Counter(*config)
        trained.train_chunk(config[0])
        return trained

    session = TrainingSession(
        "counter",
        [Run("count", key=config, factory=lambda: Counter(*config), pretrained=pretrained if shipped else None)],
        chunk=3,
        unit="steps",
        step=2,
    )
    session.controls()
    session.live(lambda trainers: st.write(f"curve: {trainers['count'].curve if trainers['count'] else None}"))
    session.divergence_notices()


def _app_test(**query) -> AppTest:
    at = AppTest.from_function(_app, default_timeout=30)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _curve(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("curve:"))


def _button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_train_runs_one_chunk_per_rerun_and_pause_stops_it():
    at = _app_test()
    assert _curve(at) == "curve: None"
    assert "Not trained yet" in at.caption[0].value
    # each fragment run draws its frame, then trains one chunk (ui/training.py: a newer request can stop a run
    # only at an element, so the frame goes out first): a frame shows the chunks of the runs before it
    _button(at, "counter_train").click().run()  # a click: the untrained frame, then the first chunk
    assert _curve(at) == "curve: []"
    at.run()  # the fragment's timer tick: the first chunk drawn, one more trained
    assert _curve(at) == "curve: [1.0, 2.0, 3.0]"
    _button(at, "counter_pause").click().run()  # paused: the whole page draws both chunks
    assert _curve(at) == "curve: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]"
    at.run()  # paused: nothing more is trained
    assert _curve(at).endswith("6.0]")
    assert "6 / 10 steps" in at.caption[0].value


def test_step_trains_its_own_size_and_reset_starts_over():
    at = _app_test()
    _button(at, "counter_step").click().run()
    assert _curve(at) == "curve: [1.0, 2.0]"
    _button(at, "counter_step").click().run()
    assert _curve(at) == "curve: [1.0, 2.0, 3.0, 4.0]"
    _button(at, "counter_reset").click().run()
    assert _curve(at) == "curve: []"


def test_training_stops_at_the_budget_and_the_train_button_is_disabled():
    at = _app_test(total="4")
    _button(at, "counter_train").click().run()
    at.run()  # 3 + 1 steps: finished, the page reruns once without the timer
    assert _curve(at) == "curve: [1.0, 2.0, 3.0, 4.0]"
    assert _button(at, "counter_train").disabled
    assert not at.exception


def test_divergence_is_reported_and_the_good_curve_is_kept():
    at = _app_test(total="10", blow_up="4")
    _button(at, "counter_train").click().run()
    at.run()
    assert _curve(at) == "curve: [1.0, 2.0, 3.0, 4.0]"
    assert any("diverged" in w.value and "NaN" in w.value for w in at.warning)


def test_opens_on_the_shipped_result_and_reset_goes_back_to_untrained():
    at = _app_test(total="5", shipped="1")
    assert _curve(at) == "curve: [1.0, 2.0, 3.0, 4.0, 5.0]"
    assert "shipped pre-trained" in at.caption[0].value
    _button(at, "counter_reset").click().run()
    assert _curve(at) == "curve: []"


def test_a_finished_run_is_shared_as_a_private_copy_with_a_new_session():
    first = _app_test(total="3")
    _button(first, "counter_train").click().run()
    assert _curve(first) == "curve: [1.0, 2.0, 3.0]"
    second = _app_test(total="3")  # a new session, same configuration
    assert _curve(second) == "curve: [1.0, 2.0, 3.0]"
    assert "trained earlier" in second.caption[0].value
    _button(second, "counter_reset").click().run()  # resetting the copy leaves the first session's run alone
    assert _curve(second) == "curve: []"
    first.run()
    assert _curve(first) == "curve: [1.0, 2.0, 3.0]"


def test_the_protocol_is_checkable():
    class Bare:
        steps = 0
        train_seconds = 0.0
        diverged_reason = None
        total_steps = None
        finished = False

        def train_chunk(self, n_steps):
            self.steps += n_steps

    assert isinstance(Bare(), Trainable)
    assert not isinstance(object(), Trainable)


def test_chunks_are_sized_by_the_measured_speed():
    from ui.training import timed_chunk

    # 2,000 steps took 4 s (2 ms each): 0.35 s is 175 steps
    assert timed_chunk(2_000, 4.0, 0.35, 2_000) == 175
    # never more than the page's chunk, never less than one unit
    assert timed_chunk(10, 0.001, 0.35, 500) == 500
    assert timed_chunk(10, 100.0, 0.35, 500) == 1
    # nothing measured yet: a sixteenth of a large chunk, all of a small one
    assert timed_chunk(0, 0.0, 0.35, 2_000) == 125
    assert timed_chunk(0, 0.0, 0.35, 10) == 10
    # a trainer that does not time itself trains whole chunks
    assert timed_chunk(50, 0.0, 0.35, 40) == 40


def _figure_app():
    """A counting trainer whose live view is a Plotly line of its curve, drawn through ui.figure."""
    import plotly.graph_objects as go

    from ui import contract as ui
    from ui.training import Run, TrainingSession

    class Counter:
        def __init__(self):
            self.steps, self.train_seconds, self.diverged_reason, self.curve = 0, 0.0, None, []

        total_steps = 30
        finished = property(lambda self: self.steps >= 30)

        def train_chunk(self, n_steps):
            for _ in range(min(n_steps, 30 - self.steps)):
                self.steps += 1
                self.curve.append(float(self.steps) ** 2)

    session = TrainingSession("rec", [Run("count", key=1, factory=Counter)], chunk=3, build_untrained=True)
    session.controls()

    def draw(trainers):
        ui.figure(go.Figure(go.Scatter(y=trainers["count"].curve, mode="lines")))

    session.live(draw)


def _recording_button(at: AppTest):
    return [d for d in at.get("download_button") if d.proto.label == "Recording"]


def test_a_paused_trainer_offers_its_run_as_a_recording():
    """Three live frames are recorded; paused, the figure gets a Recording download (an animation of them);
    Reset forgets it."""
    from ui import recording
    from viz import animation, export

    at = AppTest.from_function(_figure_app, default_timeout=30).run()
    assert not _recording_button(at)  # nothing trained live yet
    _button(at, "rec_train").click().run()
    at.run()
    at.run()
    _button(at, "rec_pause").click().run()
    assert len(_recording_button(at)) == 1
    record = at.session_state[recording._RECORDINGS]["rec"]
    # each live frame is drawn before its run's chunk: the frames show 0, 3 and 6 steps (9 were trained)
    assert record["labels"] == ["0", "3", "6"] and record["prefix"] == "steps: "
    snapshots = recording.as_dicts([frame[0] for frame in record["frames"]])  # the live chart's JSON, decoded
    curves = [export._array(snapshot["data"][0]["y"]).tolist() for snapshot in snapshots]
    assert curves == [[float(i) ** 2 for i in range(1, n + 1)] for n in (0, 3, 6)]
    spec = animation.recording(snapshots, record["labels"])
    assert [export._array(f["data"][0]["y"]).tolist() for f in spec["frames"]] == curves
    assert spec["layout"]["sliders"][0]["active"] == 2 and "Save as GIF" in export.html(spec, "run")
    _button(at, "rec_reset").click().run()
    assert not _recording_button(at)


def test_a_long_recording_is_thinned_evenly(monkeypatch):
    """Past MAX_FRAMES the recording keeps every other frame and records half as often: still evenly spaced."""
    import streamlit as st

    from ui import recording

    monkeypatch.setattr(recording, "MAX_FRAMES", 4)
    st.session_state.clear()

    class Fig:
        def __init__(self, n):
            self.n = n

        def to_dict(self):
            return {"data": [{"y": [self.n]}]}

    for n in range(1, 12):
        with recording.drawing("s", live=True, label=lambda n=n: (f"{n}", "")):
            recording.add(Fig(n))
    record = st.session_state[recording._RECORDINGS]["s"]
    assert record["labels"] == ["1", "5", "9"] and record["stride"] == 4
    assert [frame[0]["data"][0]["y"] for frame in record["frames"]] == [[1], [5], [9]]


def test_recording_pads_missing_traces_and_refits_free_axes():
    from viz import animation

    early = {"data": [{"type": "scatter", "y": [1]}], "layout": {"yaxis": {"title": "loss"}, "height": 300}}
    late = {
        "data": [{"type": "scatter", "y": [1, 2]}, {"type": "bar", "y": [3]}],
        "layout": {"yaxis": {"title": "loss"}, "xaxis": {"range": [0, 5]}, "height": 300},
    }
    spec = animation.recording([early, late], ["a", "b"])
    first = spec["frames"][0]
    assert [t["type"] for t in first["data"]] == ["scatter", "bar"] and first["data"][1]["y"] == []
    assert first["layout"]["yaxis"]["autorange"] is True
    assert "autorange" not in spec["frames"][1]["layout"]["xaxis"]  # a fixed range stays fixed
    assert spec["layout"]["height"] == 300 + animation.CONTROLS_PX
    with pytest.raises(ValueError):
        animation.recording([early], ["a"])


def _stopped_frame_app():
    """A live frame stopped in its middle (st.stop, as Streamlit stops a run when Pause comes in while a frame
    draws), then Pause."""
    import plotly.graph_objects as go
    import streamlit as st

    from ui import contract as ui
    from ui.training import Run, TrainingSession

    class Counter:
        def __init__(self):
            self.steps, self.train_seconds, self.diverged_reason = 0, 0.0, None

        total_steps = 30
        finished = property(lambda self: self.steps >= 30)

        def train_chunk(self, n_steps):
            self.steps = min(30, self.steps + n_steps)

    session = TrainingSession("stop", [Run("count", key=1, factory=Counter)], chunk=3, build_untrained=True)
    session.controls()

    def draw(trainers):
        ui.figure(go.Figure(go.Scatter(y=[0, trainers["count"].steps])))
        if session.running and st.session_state.setdefault("_stops", 0) == 0:
            st.session_state["_stops"] = 1
            st.stop()

    session.live(draw)


def test_a_frame_stopped_midway_leaves_the_paused_charts_whole():
    """Found under load in Chromium: a frame stopped midway left the live-frame flag set, and every later figure
    of the session was drawn as a live frame (no mode bar, no downloads) even when paused."""
    at = AppTest.from_function(_stopped_frame_app, default_timeout=30).run()
    _button(at, "stop_train").click().run()  # the first live frame stops midway
    _button(at, "stop_pause").click().run()
    downloads = [d.proto.label for d in at.get("download_button")]
    assert "HTML" in downloads and "CSV" in downloads, downloads
