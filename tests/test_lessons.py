"""Lecture mode: lesson files (core/lessons.py), the shipped lessons, the lesson bar, presenter view and figure export.

The shipped-lesson test opens every step's page through AppTest with the step's parameters and checks that each
one reached its widget (the widget's value is the step's value): a step with a renamed control or a value the
widget refuses fails here, naming the lesson and the step.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from core.lessons import (
    IMAGE_SUFFIXES,
    RESERVED_PARAMS,
    Lesson,
    LessonError,
    Step,
    dumps_lesson,
    load_directory,
    parse_lesson,
    url_value,
)
from tests.apptest_helpers import ROOT, TIMEOUT, assert_healthy, run_page
from ui import lessons as ui_lessons
from ui import shipped_images
from ui.registry import HOME, PAGES, SECTIONS
from viz import export, theme

LESSONS_DIR = ROOT / "lessons"
PAGE_PATHS = {spec.url_path: spec.path for spec in (HOME, *PAGES)}
KNOWN_PAGES: dict[str, set[str] | None] = {url_path: None for url_path in PAGE_PATHS}
SHIPPED = load_directory(LESSONS_DIR, KNOWN_PAGES)


# ------------------------------------------------------------------------------------------------ core


def test_one_shipped_lesson_per_section_and_every_step_names_a_page():
    assert {lesson.section for lesson in SHIPPED.values()} == set(SECTIONS)
    for name, lesson in SHIPPED.items():
        assert lesson.steps, name
        for step in lesson.steps:
            assert step.page in PAGE_PATHS, f"{name}: {step.title}: unknown page {step.page}"
            assert step.title and not set(step.params) & RESERVED_PARAMS


def _open_app(query: dict) -> AppTest:
    """The app opened on a link (no AppTest.switch_page: its page choice would stick to every later run)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_step_reaches_its_widgets(name):
    """Each step's page, opened with the step's parameters: no error, and every parameter is the value of a
    widget of that page (ui.lessons.step_problems, the same check the app makes when a step opens)."""
    for index, step in enumerate(SHIPPED[name].steps):
        at = run_page(PAGE_PATHS[step.page], step.url_params())
        context = f"{name} step {index + 1} ({step.title})"
        assert_healthy(at, context)
        widgets = at.session_state["_ui_run"]["widgets"]
        assert ui_lessons.step_problems(step, widgets) == [], context
        assert not set(widgets) & RESERVED_PARAMS, f"{step.page}: a widget uses a lecture-mode URL parameter"
        for key in step.controls:
            assert key in widgets, f"{context}: `controls` names {key}, not a control of the page"


def test_bad_lessons_name_the_step():
    good = '[[steps]]\ntitle = "A"\npage = "info-entropy"\n'
    with pytest.raises(LessonError, match=r"not valid TOML: .*line 2"):
        parse_lesson('title = "x"\n[[steps]\n', "x", KNOWN_PAGES)
    with pytest.raises(LessonError) as error:
        parse_lesson(
            'title = "T"\n'
            + good
            + '[[steps]]\ntitle = "Cliff"\npage = "rl-cliff"\n'
            + '[[steps]]\ntitle = "Bad"\npage = "info-entropy"\nstpes = 1\n[steps.params]\np = {a = 1}\nlesson = "x"\n',
            "x",
            KNOWN_PAGES,
        )
    problems = error.value.problems
    assert any(p.startswith("step 2 ('Cliff'): unknown page `rl-cliff`") for p in problems), problems
    assert any(p.startswith("step 3 ('Bad'): unknown field `stpes`") for p in problems), problems
    assert any(p.startswith("step 3 ('Bad'): parameter `p` must be") for p in problems), problems
    assert any(p.startswith("step 3 ('Bad'): `lesson` is lecture mode's own") for p in problems), problems
    with pytest.raises(LessonError, match="no steps"):
        parse_lesson('title = "T"\n', "x", KNOWN_PAGES)
    with pytest.raises(LessonError, match=r"step 1 \('A'\): the page has no control `q`"):
        parse_lesson('title = "T"\n' + good + "[steps.params]\nq = 1\n", "x", {"info-entropy": {"p"}})


def test_url_values_are_written_as_streamlit_writes_them():
    assert url_value(True) == "true" and url_value(False) == "false"
    assert url_value(5.0) == "5" and url_value(0.5) == "0.5" and url_value(7) == "7"
    assert url_value(["a", 2.0]) == ("a", "2")
    lesson = parse_lesson('title = "T"\n[[steps]]\ntitle = "s"\npage = "rl-dqn"\n[steps.params]\n'
                          'keep = false\ngamma = 0.99\nsteps = 40000\nvariants = ["DQN", "Double DQN"]\n',
                          "t", KNOWN_PAGES)  # fmt: skip
    assert dict(lesson.steps[0].params) == {
        "keep": "false",
        "gamma": "0.99",
        "steps": "40000",
        "variants": ("DQN", "Double DQN"),
    }


texts = hs.text(hs.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(title=texts, notes=texts, ask=texts, value=texts, values=hs.lists(texts, max_size=3))
def test_written_lessons_read_back_equal(title, notes, ask, value, values):
    """dumps_lesson escapes whatever text a lecturer types (quotes, backslashes, newlines, control characters)."""
    lesson = Lesson(
        name="x",
        title=title if title.strip() else "t",
        description=notes,
        steps=(
            Step(title=title if title.strip() else "t", page="info-entropy", params={"p": value, "odd key": tuple(values)}, notes=notes,
                 ask=ask, controls=("p",)),
            Step(title="second", page="rl-dqn"),
        ),
    )  # fmt: skip
    text = dumps_lesson(lesson)
    assert tomllib.loads(text)  # valid TOML
    assert parse_lesson(text, "x", KNOWN_PAGES) == lesson


def test_shipped_lessons_round_trip():
    for name, lesson in SHIPPED.items():
        assert parse_lesson(dumps_lesson(lesson), name, KNOWN_PAGES, LESSONS_DIR / "data") == lesson


def _data_lesson(data_line: str, params: str = "") -> str:
    return (
        'title = "Own points"\n[[steps]]\ntitle = "Blobs"\npage = "info-entropy"\n'
        + (f"[steps.params]\n{params}\n" if params else "")
        + f"[steps.data]\n{data_line}\n"
    )


def test_a_data_file_becomes_the_controls_text_and_round_trips(tmp_path):
    """[steps.data] reads the named file of lessons/data/ into the control's value; writing the lesson back keeps
    the file's name, not a copy of its text."""
    rows = "x1,x2,label\n" + "\n".join(f"{i / 10:.1f},{-i / 10:.1f},{i % 3}" for i in range(400)) + "\n"
    (tmp_path / "blobs.csv").write_text(rows, encoding="utf-8")
    lesson = parse_lesson(_data_lesson('p = "blobs.csv"', 'preset = "skewed"'), "own", KNOWN_PAGES, tmp_path)
    step = lesson.steps[0]
    assert step.params == {"preset": "skewed", "p": rows} and step.data == {"p": "blobs.csv"}
    assert step.url_params()["p"] == rows
    written = dumps_lesson(lesson)
    assert "blobs.csv" in written and "0.1,-0.1,1" not in written  # named, not inlined
    assert parse_lesson(written, "own", KNOWN_PAGES, tmp_path) == lesson


@pytest.mark.parametrize(
    ("data_line", "message"),
    [
        ('p = "../secret.csv"', "must be a file name in lessons/data/"),
        ('p = "sub/points.csv"', "must be a file name in lessons/data/"),
        ('p = ".hidden.csv"', "must be a file name in lessons/data/"),
        ('p = "points.pkl"', "must end in .csv, .tsv, .txt"),
        ('p = "missing.csv"', "`missing.csv` is not in lessons/data/"),
        ('p = "binary.csv"', "not a text file"),
        ("p = 3", "must be a file name in lessons/data/"),
        ('lesson = "points.csv"', "`lesson`, which is not a control of the page"),
    ],
)
def test_bad_data_files_are_named_with_their_step(tmp_path, data_line, message):
    (tmp_path / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    (tmp_path.parent / "secret.csv").write_text("1,2,3\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "points.csv").write_text("1,2,3\n", encoding="utf-8")
    with pytest.raises(LessonError) as error:
        parse_lesson(_data_lesson(data_line), "own", KNOWN_PAGES, tmp_path)
    assert any(p.startswith("step 1 ('Blobs')") and message in p for p in error.value.problems), error.value.problems


def test_a_control_set_both_in_params_and_data_is_refused(tmp_path):
    (tmp_path / "p.txt").write_text("0.3", encoding="utf-8")
    with pytest.raises(LessonError, match=r"`p` is set both in \[steps.params\] and in \[steps.data\]"):
        parse_lesson(_data_lesson('p = "p.txt"', "p = 0.2"), "own", KNOWN_PAGES, tmp_path)


def test_shipped_data_files_are_named_by_a_lesson():
    """Every file in lessons/data/ is used by a shipped step (no orphans): a text file through [steps.data], the
    step's text being the file's; an image (IMAGE_SUFFIXES) named in [steps.params] as the value of the image
    pages' control `img`, on a page that has that control."""
    data_dir = LESSONS_DIR / "data"
    steps = [step for lesson in SHIPPED.values() for step in lesson.steps]
    texts = {name: step for step in steps for name in step.data.values()}
    images = {step.params[shipped_images.KEY]: step for step in steps if shipped_images.KEY in step.params}
    shipped = {path.name for path in data_dir.glob("*")} if data_dir.is_dir() else set()
    image_files = {name for name in shipped if name.lower().endswith(IMAGE_SUFFIXES)}
    assert image_files == set(shipped_images.names())
    assert shipped - image_files == set(texts), "a text file must be named in [steps.data]"
    assert image_files == set(images), "an image must be named by a step's `img` parameter"
    for name, step in texts.items():
        key = next(k for k, v in step.data.items() if v == name)
        assert step.params[key] == (data_dir / name).read_text(encoding="utf-8")
    for name, step in images.items():
        assert step.page in ("cnn-convolution", "cnn-normalization"), f"{name}: `img` on {step.page}"


# ------------------------------------------------------------------------------------------------ in the app


def _button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def _bar(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "step " in m.value and " of " in m.value)


def _styles(at: AppTest) -> str:
    return " ".join(element.proto.body for element in at.get("html"))


def test_lesson_bar_runs_a_lesson_and_hides_figures_until_revealed():
    """A link naming a step shows the bar (off the step's page); "Back to the step" opens it with its
    parameters; Next reveals an ask-first step, then advances; Previous goes back; End stops the lesson."""
    lesson = SHIPPED["rl-mdp-to-dqn"]
    at = _open_app({"lesson": "rl-mdp-to-dqn", "step": "1"})
    assert_healthy(at, "home")
    assert "step 1 of 6" in _bar(at) and "left this step's page" in _bar(at)
    next(b for b in at.button if b.label == "Back to the step").click().run()
    assert_healthy(at, "step 1")
    assert "MDP & value iteration" in at.title[0].value
    assert [s.value for s in at.slider if s.key == "k"] == [2]
    assert [t.value for t in at.toggle if t.key == "watch"] == [True]
    assert at.query_params["lesson"] == "rl-mdp-to-dqn" and at.query_params["step"] == "1"
    assert "visibility:hidden" in _styles(at) and any(lesson.steps[0].ask in m.value for m in at.markdown)
    assert any("sweeps only cells within k moves" in m.value for m in at.expander[0].markdown)  # speaker notes
    assert _button(at, "lesson_next").label == "Reveal"
    _button(at, "lesson_next").click().run()
    assert "visibility:hidden" not in _styles(at) and _button(at, "lesson_next").label == "Next"
    _button(at, "lesson_next").click().run()  # step 2 asks first too: reveal, then on to step 3
    _button(at, "lesson_next").click().run()
    assert [s.value for s in at.slider if s.key == "gamma"] == [0.5]
    _button(at, "lesson_next").click().run()
    assert_healthy(at, "step 3")
    assert "Q-learning vs SARSA" in at.title[0].value and "step 3 of 6" in _bar(at)
    # step 3 leaves γ at the page's default: the MDP page's γ = 0.5 of step 2 must not carry over
    assert [s.value for s in at.slider if s.key in ("gamma", "eps")] == [1.0, 0.1]
    _button(at, "lesson_prev").click().run()
    assert "MDP & value iteration" in at.title[0].value and "step 2 of 6" in _bar(at)
    _button(at, "lesson_end").click().run()
    assert not any(b.key == "lesson_next" for b in at.button) and "lesson" not in at.query_params


def test_a_step_the_page_cannot_take_is_named(tmp_path):
    """An uploaded lesson whose step has a value the widget refuses and a control the page does not have: the
    page opens on its defaults for those, and the notice names the lesson, the step and both parameters."""
    at = run_page("pages/course/lessons.py")
    bad = 'title = "Typos"\n[[steps]]\ntitle = "Too far"\npage = "info-entropy"\n[steps.params]\np = 7\nq = 1\n'
    at.file_uploader[0].set_value(("typos.toml", bad.encode(), "application/toml")).run()
    assert_healthy(at, "upload")
    _button(at, "start_typos").click().run()
    assert_healthy(at, "opened")
    notice = next(w.value for w in at.warning if "Typos" in w.value)
    assert "step 1 (Too far)" in notice and "`p=7` is not a valid value" in notice and "`q`" in notice
    assert [s.value for s in at.slider if s.key == "p"] == [0.2]


def test_uploaded_bad_lesson_gets_a_message_and_nothing_is_lost():
    at = run_page("pages/rl/value_iteration.py")
    _button(at, "lesson_add_view").click().run()  # a lesson being built must survive the bad upload
    at.switch_page("pages/course/lessons.py").run()
    assert_healthy(at, "lessons page")
    cards = len([b for b in at.button if b.key and b.key.startswith("start_")])
    bad = '[[steps]]\ntitle = "Cliff"\npage = "rl-cliff"\n'
    at.file_uploader[0].set_value(("broken.toml", bad.encode(), "application/toml")).run()
    assert_healthy(at, "bad upload")
    message = at.error[0].value
    assert "broken.toml" in message and "step 1 ('Cliff'): unknown page `rl-cliff`" in message
    assert "`title` is missing" in message
    assert len([b for b in at.button if b.key and b.key.startswith("start_")]) == cards
    assert len(at.session_state[ui_lessons.DRAFT]["steps"]) == 1
    at.file_uploader[0].set_value(("bad.toml", b'title = "x"\n[[steps]\n', "application/toml")).run()
    assert "not valid TOML" in at.error[0].value


def test_add_this_view_records_the_page_state_and_downloads_as_toml():
    at = run_page("pages/information/entropy.py")
    next(s for s in at.slider if s.key == "p").set_value(0.35).run()
    _button(at, "lesson_add_view").click().run()
    assert any("Added" in c.value and "step 1" in c.value for c in at.caption)
    step = at.session_state[ui_lessons.DRAFT]["steps"][0]["step"]
    assert step.page == "info-entropy" and step.params["p"] == "0.35" and step.params["preset"] == "skewed"
    at.switch_page("pages/course/lessons.py").run()
    assert_healthy(at, "lessons page with a draft")
    assert step.title == "Entropy" and at.text_input(key=f"draft_title_{1}").value == "Entropy"
    assert not next(d for d in at.get("download_button") if d.proto.label == "Download TOML").proto.disabled
    # the page's own step reopens on the state it was taken from
    reopened = run_page("pages/information/entropy.py", step.url_params())
    assert ui_lessons.step_problems(step, reopened.session_state["_ui_run"]["widgets"]) == []


def test_no_control_uses_a_lecture_mode_url_parameter():
    """route() writes lesson/step/present into every page's URL: a widget bound to one of them would clash."""
    # ui.<widget>(label, "key", …): the label a string literal or a name
    helper_call = re.compile(r"ui\.\w+\(\s*(?:f?\"[^\"]*\"|'[^']*'|[\w.\[\]]+)\s*,\s*[\"'](\w+)[\"']")
    for path in sorted((ROOT / "pages").rglob("*.py")) + sorted((ROOT / "ui").glob("*widgets.py")):
        keys = set(helper_call.findall(path.read_text(encoding="utf-8")))
        assert not keys & RESERVED_PARAMS, f"{path}: {keys & RESERVED_PARAMS}"


def test_presenter_view_keeps_only_the_controls_a_step_names():
    at = _open_app({"lesson": "info-entropy-kl-mi", "step": "1", "present": "1"})
    next(b for b in at.button if b.label == "Back to the step").click().run()
    assert_healthy(at, "presenter step")
    styles = _styles(at)
    assert ":not(.st-key-p)" in styles and "stSidebar']:not(:has(.st-key-p))" in styles
    _button(at, "presenter_controls").click().run()  # every control again
    assert ":not(.st-key-p)" not in _styles(at) and "stHeader" in _styles(at)


def test_presenter_view_restyles_the_page_and_its_figures():
    at = run_page("pages/information/entropy.py", {"present": "1"})
    assert_healthy(at, "presenter")
    styles = _styles(at)
    assert "stSidebar" in styles and "display:none" in styles and "stHeader" in styles
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["font"]["size"] == theme.FONT_SIZE * theme.PRESENTER_SCALE
    assert layout["font"]["color"] == theme.PRESENTER_TEXT
    assert any(b.key == "presenter_off" for b in at.button)
    assert at.query_params["present"] == "1"
    _button(at, "presenter_off").click().run()
    assert "stHeader" not in _styles(at) and "present" not in at.query_params
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout.get("font", {}).get("size") != theme.FONT_SIZE * theme.PRESENTER_SCALE


# ------------------------------------------------------------------------------------------------ export


def test_every_figure_gets_html_and_csv_downloads_and_a_slide_sized_png():
    at = run_page("pages/information/entropy.py")
    charts = at.get("plotly_chart")
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels.count("HTML") == len(charts) and labels.count("CSV") == len(charts)
    config = json.loads(charts[0].proto.config)
    assert config["toImageButtonOptions"]["scale"] >= 2
    assert config["toImageButtonOptions"]["filename"] == "info-entropy-figure-1"


def test_exported_html_and_csv_carry_the_figure():
    x = np.linspace(0.0, 1.0, 5)
    fig = go.Figure([go.Scatter(x=x, y=x**2, name="curve"), go.Heatmap(z=[[1, 2], [3, 4]], x=["a", "b"])])
    page = export.html(fig, "my-figure")
    assert "<title>my-figure</title>" in page and "Plotly.newPlot" in page
    assert "<script src" not in page and len(page) > 3_000_000  # plotly.js inlined: opens offline
    assert "Save as GIF" not in page  # only an animation gets the GIF / PNG-strip buttons
    rows = list(csv.DictReader(io.StringIO(export.csv_text(fig.to_plotly_json()))))
    curve = [r for r in rows if r["trace"] == "curve"]
    np.testing.assert_allclose([float(r["y"]) for r in curve], x**2)
    cells = {(r["x"], r["y"]): float(r["z"]) for r in rows if r["type"] == "heatmap"}
    assert cells == {("a", "0"): 1, ("b", "0"): 2, ("a", "1"): 3, ("b", "1"): 4}
    animated = go.Figure(
        data=fig.data, layout=fig.layout, frames=[go.Frame(name="0", data=[go.Scatter(y=x)]), go.Frame(name="1")]
    )
    page = export.html(animated)
    assert "Save as GIF" in page and "Save as PNG strip" in page
    assert not re.search(r"Plotly\.animate\('[^']+', null", page)  # the animation waits for ▶ play


def test_lessons_page_lists_every_shipped_lesson():
    at = run_page("pages/course/lessons.py")
    assert_healthy(at, "lessons")
    starts = {b.key.removeprefix("start_") for b in at.button if b.key and b.key.startswith("start_")}
    assert starts == set(SHIPPED)
    assert Path(LESSONS_DIR).is_dir()


def test_presenter_scale_is_the_same_on_a_figure_and_on_its_json():
    """ui.figure scales go.Figure objects and the JSON dicts of cached figures: both must come out alike, with
    cell text pinned to the size its cells were made for."""
    fig = go.Figure(go.Heatmap(z=[[1, 2]], texttemplate="%{z}"))
    theme.style(fig, "A title")
    fig.update_xaxes(tickfont_size=14)
    fig.add_annotation(text="note", font_size=15)
    as_dict = fig.to_plotly_json()
    theme.for_presenter(fig)
    theme.for_presenter(as_dict)
    scaled = fig.to_plotly_json()["layout"]
    for layout in (scaled, as_dict["layout"]):
        assert layout["font"]["size"] == theme.FONT_SIZE * theme.PRESENTER_SCALE
        assert layout["title"]["font"]["size"] == theme.TITLE_SIZE * theme.PRESENTER_SCALE
        assert layout["xaxis"]["tickfont"]["size"] == 14 * theme.PRESENTER_SCALE
        assert layout["annotations"][0]["font"]["size"] == 15 * theme.PRESENTER_SCALE
        assert layout["xaxis"]["gridcolor"] == theme.PRESENTER_GRID
    assert fig.data[0].textfont.size == as_dict["data"][0]["textfont"]["size"] == theme.FONT_SIZE
