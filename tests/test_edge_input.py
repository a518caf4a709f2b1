"""Bad input at the edges of a served app: links with values out of range or of the wrong type, links naming a
lesson or a step this app does not have, a lesson file in lessons/ that names a missing page. Each gets a message
naming the problem, the page still draws, and what the session built (a lesson draft) is kept.

(Malformed and oversized uploads: tests/test_user_data.py for the parsers, tests/test_lessons.py for an uploaded
lesson; the server refuses anything over server.maxUploadSize before a page sees it, tests/test_serving.py.)
"""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import ROOT, TIMEOUT, assert_healthy, run_page
from ui import lessons as ui_lessons

ENTROPY = "pages/information/entropy.py"
REGRESSION = "pages/supervised/regression.py"


def _url_notice(at: AppTest) -> str:
    notices = [w.value for w in at.warning if "link you opened" in w.value]
    assert len(notices) == 1, [w.value for w in at.warning]
    return notices[0]


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (ENTROPY, "p", "7"),  # a float slider on [0, 1]: above its maximum
        (ENTROPY, "p", "-0.5"),  # below its minimum
        (ENTROPY, "p", "nan"),
        (ENTROPY, "p", "1e400"),  # overflows to inf
        (ENTROPY, "n", "999"),  # an integer slider on [2, 8]
        (ENTROPY, "n", "four"),
        (REGRESSION, "seed", "-5"),  # the seed box takes 0 … 2³¹ − 1
        (REGRESSION, "seed", "99999999999999999999"),
    ],
)
def test_a_link_value_out_of_range_or_of_the_wrong_type_is_named_and_replaced(path, key, value):
    """The page draws with a valid value inside the control's range, and the notice names the bad one."""
    at = run_page(path, {key: value})
    assert_healthy(at, f"{path} {key}={value}")
    assert at.get("plotly_chart")
    assert f"`{key}={value}`" in _url_notice(at)
    control = next(w for w in (*at.slider, *at.number_input) if w.key == key)
    shown = float(control.value)
    assert math.isfinite(shown) and control.min <= shown <= control.max
    assert str(value) != str(control.value)


def _open_link(query: dict[str, str], before=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    if before is not None:
        before(at)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize(
    ("lesson", "step"),
    [("no-such-lesson", "1"), ("rl-mdp-to-dqn", "999"), ("rl-mdp-to-dqn", "0"), ("rl-mdp-to-dqn", "two")],
)
def test_a_link_naming_a_missing_lesson_or_step_is_named_and_the_draft_is_kept(lesson, step):
    """A bookmark of a lesson uploaded in another session, or of a step past the lesson's end: a notice, no
    lesson starts, the link's lesson parameters leave the URL, and the lesson this session was building stays."""
    draft = {"title": "Mine", "description": "", "steps": [], "uid": 7}

    def build(at):
        at.session_state[ui_lessons.DRAFT] = draft

    at = _open_link({"lesson": lesson, "step": step}, before=build)
    assert_healthy(at, f"lesson={lesson}&step={step}")
    notices = [w.value for w in at.warning if "The link names step" in w.value]
    assert notices and f"`{lesson}`" in notices[0] and step in notices[0]
    assert ui_lessons.ACTIVE not in at.session_state
    assert "lesson" not in at.query_params and "step" not in at.query_params
    assert at.session_state[ui_lessons.DRAFT] == draft


def test_a_lesson_file_naming_a_missing_page_is_named_and_the_others_load(tmp_path, monkeypatch):
    """lessons/ with a good file and one whose step names a page this app does not have: the Lessons page lists
    the good one and names the bad file, its step and the unknown page."""
    good = 'title = "Edge good"\n[[steps]]\ntitle = "A"\npage = "info-entropy"\n'
    bad = 'title = "Edge bad"\n[[steps]]\ntitle = "Gone"\npage = "rl-removed-page"\n'
    (tmp_path / "edge-good.toml").write_text(good, encoding="utf-8")
    (tmp_path / "edge-bad.toml").write_text(bad, encoding="utf-8")
    monkeypatch.setattr(ui_lessons, "LESSONS_DIR", tmp_path)
    monkeypatch.setattr(ui_lessons, "_FILES_SEEN", [-1.0, ()])  # look at the folder now
    at = run_page("pages/course/lessons.py")
    assert_healthy(at, "lessons page with a broken file")
    problems = [e.value for e in at.error]
    assert any("edge-bad.toml" in p and "unknown page `rl-removed-page`" in p for p in problems), problems
    assert [b.key for b in at.button if b.key and b.key.startswith("start_")] == ["start_edge-good"]
