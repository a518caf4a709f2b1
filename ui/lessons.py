"""Lecture mode in the running app: lessons (saved sequences of page states), the lesson bar on every page, the
presenter view and the keyboard.

Where it hooks in: ``app.py`` calls :func:`route` after ``st.navigation`` and before the page runs (it opens a
step, and keeps ``lesson``/``step``/``present`` in the URL of every page); ``ui.begin`` calls :func:`bar` (the
lesson bar, the presenter view's style, hidden figures of an "ask the room first" step); ``ui.end`` calls
:func:`checked_step` (the opened step's parameters the page could not use, naming the step) and
:func:`page_tools` (the sidebar's Lecture panel: add this view to your lesson, presenter view).

State lives per browser session in ``st.session_state``; the URL carries what a link must: ``lesson=<name>&
step=<k>`` for the running step and ``present=1`` for the presenter view. Streamlit's own navigation drops the
parameters of the page it leaves, so :func:`route` writes them back on every run.

Keyboard: → Next (or Reveal, on a step whose figures are hidden), ← Previous (Streamlit button shortcuts; a
presentation clicker's PageDown / PageUp press the same buttons, :func:`keyboard`), space
Play/Pause of a training session (``ui/training.py``) or else of the Plotly animation on screen (:func:`keyboard`).
Streamlit ignores a shortcut while the focus is in an input (a slider's thumb, a text field, a select box), so
those keep their own arrows and spaces.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import streamlit as st

from core.lessons import DATA_DIR, RESERVED_PARAMS, Lesson, LessonError, Step, parse_lesson, url_value
from ui import contract
from ui.registry import HOME, LESSONS, PAGES, PageSpec

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
DRAFT_NAME = "my-lesson"
"""The lesson built in this session with "Add this view"."""

ACTIVE = "_lesson_active"
"""(lesson name, step index) of the running step."""
UPLOADED = "_lesson_uploaded"
"""name → Lesson uploaded in this session."""
DRAFT = "_lesson_draft"
"""The lesson being built: {"title", "description", "steps": [{"uid", "step"}], "uid"} (uid: widget keys that
follow a step when it moves)."""
REVEALED = "_lesson_revealed"
"""(name, index) of the "ask the room first" steps already revealed."""
GOTO = "_lesson_goto"
"""A step to open, set by a button's callback and opened by :func:`route` before the page runs."""
PRESENT = "_lesson_present"
"""Presenter view on."""
ALL_CONTROLS = "_lesson_all_controls"
"""Presenter view: show every control (not only the step's)."""
PAGE_KEYS = "_lesson_page_keys"
"""url_path → the widget keys this session's runs of that page drew (cleared before a step of it opens)."""
CHECK = "_lesson_check"
"""(name, index) of a step whose page, once drawn, says which of the step's parameters it could not use."""
NOTICE = "_lesson_notice"
"""A message for the next page (a link naming a lesson this app does not have)."""
ADDED = "_lesson_added"
"""What the last "Add this view" did, shown in the Lecture panel."""

URL_HEADING = "The link you opened had settings this page cannot use:"

# The presenter view, by Streamlit's test ids (1.67): no Deploy button, menu or status, the toolbar out of sight,
# larger text.
_PRESENTER_CSS = (
    "[data-testid='stAppDeployButton'],[data-testid='stMainMenu'],[data-testid='stDecoration'],"
    "[data-testid='stStatusWidget']{display:none !important}"
    # the header (Streamlit's toolbar, with the top navigation in it) shows only while the pointer is on it (it
    # still takes clicks: the page keeps app.py's top padding, so nothing of the page lies under it)
    "[data-testid='stHeader']{opacity:0;transition:opacity .2s}[data-testid='stHeader']:hover{opacity:1}"
    "[data-testid='stMain'] [data-testid='stMarkdown'] :is(p,li){font-size:1.3rem}"
    "[data-testid='stMain'] [data-testid='stCaptionContainer'] p{font-size:1.05rem}"
    "h1{font-size:2.6rem !important}"
    "[data-testid='stMain'] .katex{font-size:1.35em}"
    # the figures' download rows: slides stay clean (the mode bar's camera still saves a PNG)
    "[class*='st-key-figexport']{display:none}"
)
_HIGH_CONTRAST_LIGHT = "[data-testid='stMain'] [data-testid='stMarkdown']{color:#000}"
_NO_SIDEBAR = (
    "[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],[data-testid='stExpandSidebarButton']"
    "{display:none !important}"
)
# an "ask the room first" step: the answers stay hidden until revealed (the space they take is kept)
_HIDE_FIGURES = (
    "[data-testid='stMain'] :is([data-testid='stPlotlyChart'],[data-testid='stImage'],[data-testid='stDataFrame'],"
    "[data-testid='stMetric'],[data-testid='stTable'],[class*='st-key-figexport']){visibility:hidden}"
)


# Space on a page without a training session plays / pauses the Plotly animation on screen (value-iteration
# sweeps, replays, latent walks: viz/animation.py), by clicking its own ▶ play / ❚❚ pause buttons. A focused
# input, select or button keeps the key, and so does a page whose Play button has Streamlit's Space shortcut.
# A presentation clicker sends PageDown / PageUp: while a lesson runs they press its Next / Previous buttons.
_SPACE_PLAYS_ANIMATIONS = """<script>
if (!window.mlpSpace) {
  window.mlpSpace = true;
  document.addEventListener('keydown', (event) => {
    if (event.code !== 'Space' || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON'].includes(target.tagName))) return;
    if (document.querySelector("kbd[aria-label='Shortcut Space']")) return;
    const shown = [...document.querySelectorAll('.js-plotly-plot')].find((gd) => {
      const frames = gd._transitionData && gd._transitionData._frames, box = gd.getBoundingClientRect();
      return frames && frames.length > 1 && box.bottom > 0 && box.top < window.innerHeight;
    });
    if (!shown) return;
    if (!shown.mlpHooked && shown.on) {
      shown.mlpHooked = true;
      const stopped = () => { shown.dataset.mlpPlaying = '0'; };
      shown.on('plotly_animated', stopped);
      shown.on('plotly_animationinterrupted', stopped);
    }
    const playing = shown.dataset.mlpPlaying === '1';
    const button = [...shown.querySelectorAll('g.updatemenu-button')]
      .find((b) => b.textContent.trim().startsWith(playing ? '❚❚' : '▶'));
    if (!button) return;
    event.preventDefault();  // not a page scroll
    shown.dataset.mlpPlaying = playing ? '0' : '1';
    button.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  });
}
if (!window.mlpClicker) {
  window.mlpClicker = true;
  document.addEventListener('keydown', (event) => {
    const step = {PageDown: 'next', PageUp: 'prev'}[event.key];
    if (!step || event.repeat || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    const button = document.querySelector(`.st-key-lesson_${step} button`);
    if (!button) return;  // no lesson running: the page scrolls as usual
    event.preventDefault();
    if (!button.disabled) button.click();
  });
}
</script>"""


def keyboard() -> None:
    """app.py: the space bar for Plotly animations (Streamlit's button shortcuts do the rest)."""
    st.html(_SPACE_PLAYS_ANIMATIONS, unsafe_allow_javascript=True)


# ------------------------------------------------------------------------------------------------ lessons


def _pages() -> dict[str, set[str] | None]:
    """The pages a step may name (keys are checked when the step opens: the page itself decides)."""
    return {spec.url_path: None for spec in (HOME, *PAGES)}


def spec_of(url_path: str) -> PageSpec:
    return next(spec for spec in (HOME, *PAGES) if spec.url_path == url_path)


@functools.lru_cache(maxsize=4)
def _read_shipped(files: tuple[tuple[str, int], ...]) -> tuple[dict[str, Lesson], list[str]]:
    """The shipped lessons (``files``: name and mtime, so an edited file is read again) and the problems of the
    files that cannot be used (the others still load). One copy per process, shared by every session and
    never changed (lessons are frozen; callers copy the dict before adding to it): st.cache_data would unpickle a
    fresh copy on each of the three calls of a rerun while a lesson runs (~2 ms)."""
    lessons, problems = {}, []
    for name, _mtime in files:
        path = LESSONS_DIR / name
        try:
            text = path.read_text(encoding="utf-8")
            lessons[path.stem] = parse_lesson(text, path.stem, _pages(), LESSONS_DIR / DATA_DIR)
        except LessonError as error:
            problems += [f"{name}: {p}" for p in error.problems]
    return lessons, problems


_FILES_SEEN: list = [-1.0, ()]
"""(when, files) of the last look at lessons/: a rerun asks up to three times, the folder is read once a second."""


def shipped() -> tuple[dict[str, Lesson], list[str]]:
    """(name → lesson, problems) of ``lessons/*.toml``, in file-name order."""
    now = time.monotonic()
    if now - _FILES_SEEN[0] > 1.0:
        _FILES_SEEN[:] = [now, tuple((p.name, p.stat().st_mtime_ns) for p in sorted(LESSONS_DIR.glob("*.toml")))]
    return _read_shipped(_FILES_SEEN[1])


def _draft() -> dict:
    return st.session_state.setdefault(DRAFT, {"title": "My lesson", "description": "", "steps": [], "uid": 0})


def draft_lesson() -> Lesson:
    """The lesson built in this session, as a Lesson."""
    draft = _draft()
    return Lesson(
        name=DRAFT_NAME,
        title=draft["title"].strip() or "My lesson",
        steps=tuple(item["step"] for item in draft["steps"]),
        description=draft["description"],
    )


def available() -> dict[str, Lesson]:
    """Every lesson this session can run: shipped, uploaded, and the one being built (once it has a step)."""
    lessons = dict(shipped()[0])
    lessons.update(st.session_state.get(UPLOADED, {}))
    if _draft()["steps"]:
        lessons[DRAFT_NAME] = draft_lesson()
    return lessons


def active_step() -> tuple[Lesson, int, Step] | None:
    """The running lesson, the index of its current step and the step (None when no lesson runs)."""
    active = st.session_state.get(ACTIVE)
    if active is None:
        return None
    lesson = available().get(active[0])
    if lesson is None or not 0 <= active[1] < len(lesson.steps):
        st.session_state.pop(ACTIVE, None)  # the lesson went away (its steps deleted): it stops
        return None
    return lesson, active[1], lesson.steps[active[1]]


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT))


def _revealed(name: str, index: int) -> bool:
    return (name, index) in st.session_state.get(REVEALED, set())


# ------------------------------------------------------------------------------------------------ routing


def _unbind(keys) -> None:
    """Drop Streamlit's binding of these URL parameters to widgets of the page being left.

    Streamlit (1.67) refuses ``st.switch_page(query_params=...)`` for a parameter bound to a widget it drew
    ("Cannot directly set query parameter - it is bound to a widget"), even when that widget is about to be
    replaced by the next page's. The page's widgets bind again when they are drawn; this private call is the one
    way to open a page state that shares a parameter name with the page being left.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with ctx.session_state.query_params() as query:
        for key in keys:
            binding = query.get_binding_for_param(key)
            if binding is not None:
                query.unbind_widget(binding.widget_id)


def _open(name: str, index: int) -> None:
    """Open step ``index`` of lesson ``name``: its page with exactly its parameters (the others at their
    defaults), whatever this session had set on that page before."""
    lesson = available().get(name)
    if lesson is None or not 0 <= index < len(lesson.steps):
        return
    step = lesson.steps[index]
    state = st.session_state
    # A widget's value in the session wins over the URL once the widget exists, and Streamlit (1.67) keeps a
    # bound widget's last value under its key after its page is left and hands it to a same-named widget of a
    # later page (γ of the MDP page becomes γ of Q-learning): forget the controls of every page this session
    # drew, so that the URL (the step) decides. "_preset_last_*" remembers a preset choice to load it into
    # sliders when it changes (ui/information_widgets.py); a step opened afresh must not count as a change.
    stale = set(step.params).union(*state.get(PAGE_KEYS, {}).values())
    stale |= {key for key in state if str(key).startswith("_preset_last_")}
    for key in stale:
        if key in state:
            del state[key]
    _unbind(step.params)
    state.pop(contract._OPENED, None)  # the page's next run is the one that opens it (URL notices)
    state[ACTIVE] = (name, index)
    state[CHECK] = (name, index)
    query = {**step.url_params(), "lesson": name, "step": str(index + 1)}
    if presenting():
        query["present"] = "1"
    st.switch_page(spec_of(step.page).path, query_params=query)


def route() -> None:
    """Before the page runs (app.py): open a step a button asked for; follow a link that names a lesson step
    (a bookmark, the browser's Back); keep the running step and the presenter view in the URL."""
    state, query = st.session_state, st.query_params
    flag = query.get("present")
    if flag is not None:
        state[PRESENT] = flag == "1"
    goto = state.pop(GOTO, None)
    if goto is not None:
        _open(*goto)  # st.switch_page: the run ends here
    name = query.get("lesson")
    if name is not None:
        lesson = available().get(name)
        number = query.get("step", "1")
        index = int(number) - 1 if number.isdigit() else -1
        if lesson is None or not 0 <= index < len(lesson.steps):
            state[NOTICE] = (
                f"The link names step {number} of the lesson `{name}`, which this app does not have "
                "(a lesson uploaded in another session lives only there). Open it on the Lessons page."
            )
            state.pop(ACTIVE, None)
            for key in ("lesson", "step"):
                if key in query:
                    del query[key]
        elif state.get(ACTIVE) != (name, index):
            state[ACTIVE] = (name, index)
            state[CHECK] = (name, index)
    active = state.get(ACTIVE)
    if active is not None:
        if query.get("lesson") != active[0]:
            query["lesson"] = active[0]
        if query.get("step") != str(active[1] + 1):
            query["step"] = str(active[1] + 1)
    if presenting() and query.get("present") != "1":
        query["present"] = "1"
    elif not presenting() and "present" in query:
        del query["present"]


# ------------------------------------------------------------------------------------------------ callbacks
# (they run before the script: a click is never lost, and no widget key is written after its widget is drawn)


def start(name: str, index: int = 0) -> None:
    """Go to step ``index`` of lesson ``name`` (a button's on_click)."""
    st.session_state[GOTO] = (name, index)


def run_lesson(name: str, index: int = 0) -> None:
    """Start lesson ``name`` afresh at step ``index``: its "ask the room first" steps hide their figures again
    (a rehearsal earlier in the session must not give the answers away in the lecture)."""
    revealed = st.session_state.get(REVEALED, set())
    st.session_state[REVEALED] = {item for item in revealed if item[0] != name}
    start(name, index)


def _next(name: str, index: int, hidden: bool) -> None:
    if hidden:  # → on an "ask the room first" step reveals its figures first
        st.session_state.setdefault(REVEALED, set()).add((name, index))
    else:
        start(name, index + 1)


def end_lesson() -> None:
    st.session_state.pop(ACTIVE, None)
    for key in ("lesson", "step"):
        if key in st.query_params:
            del st.query_params[key]


def set_presenting(on: bool) -> None:
    st.session_state[PRESENT] = on
    if on:
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def _toggle_controls() -> None:
    st.session_state[ALL_CONTROLS] = not st.session_state.get(ALL_CONTROLS, False)


def _add_view(url_path: str) -> None:
    """Append the page as it is now (its widgets' values, as the URL writes them) to the lesson being built."""
    run = st.session_state.get(contract._RUN) or {}
    params = {key: url_value(entry[2]) for key, entry in run.get("widgets", {}).items() if key not in RESERVED_PARAMS}
    draft = _draft()
    draft["uid"] += 1
    spec = spec_of(url_path)
    draft["steps"].append({"uid": draft["uid"], "step": Step(title=spec.title, page=url_path, params=params)})
    st.session_state[ADDED] = f"Added “{spec.title}” as step {len(draft['steps'])}."


# ------------------------------------------------------------------------------------------------ drawing


def _presenter_css(step: Step | None, on_step_page: bool) -> str:
    css = _PRESENTER_CSS
    if st.context.theme.type != "dark":
        css += _HIGH_CONTRAST_LIGHT
    if st.session_state.get(ALL_CONTROLS):
        return css
    if step is not None and step.controls and on_step_page:
        # the sidebar shows only the controls the step names (Streamlit gives a keyed element the class st-key-…)
        # (and none at all when those controls sit in the main area, e.g. a row above a figure)
        keep = ",".join(f".st-key-{key}" for key in step.controls)
        return css + (
            f"[data-testid='stSidebarUserContent'] [data-testid='stElementContainer']:not({keep}),"
            "[data-testid='stSidebarUserContent'] [data-testid='stExpander']{display:none}"
            f"[data-testid='stSidebar']:not(:has({keep})){{display:none !important}}"
        )
    return css + _NO_SIDEBAR


def bar(spec: PageSpec) -> None:
    """At the top of every page (``ui.begin``): the lesson bar while a lesson runs, the presenter view's style
    and controls, and the hidden figures of a step that asks the room first."""
    state = st.session_state
    current = active_step()
    lesson, index, step = current if current is not None else (None, 0, None)
    on_step_page = step is not None and step.page == spec.url_path
    hidden = on_step_page and bool(step.ask) and not _revealed(lesson.name, index)
    css = _presenter_css(step, on_step_page) if presenting() else ""
    if hidden:
        css += _HIDE_FIGURES
    if css:
        st.html(f"<style>{css}</style>")
    notice = state.pop(NOTICE, None)
    if notice:
        contract.caution(notice)
    if current is not None:
        _lesson_bar(lesson, index, step, on_step_page, hidden)
    elif presenting():
        row = st.container(horizontal=True, horizontal_alignment="right", key="presenter_bar")
        _presenter_buttons(row, row)


def _presenter_buttons(first, second, *, labels: bool = True) -> None:
    """Show all controls / leave the presenter view, in two containers (a row, or two narrow columns of the
    lesson bar: then as icons, their names in the tooltip)."""
    first.button(
        "Controls" if labels else "",
        icon=":material/tune:",
        on_click=_toggle_controls,
        key="presenter_controls",
        type="tertiary",
        help="Controls: show or hide the page's controls (the sidebar) in the presenter view.",
    )
    second.button(
        "Leave presenter view" if labels else "",
        icon=":material/close_fullscreen:",
        on_click=set_presenting,
        args=(False,),
        key="presenter_off",
        type="tertiary",
        help="Leave the presenter view (present=1 leaves the URL).",
    )


def _lesson_bar(lesson: Lesson, index: int, step: Step, on_step_page: bool, hidden: bool) -> None:
    count = len(lesson.steps)
    with st.container(border=True, key="lesson_bar"):
        # one row at 1280 px: the step's label, then its buttons (their shortcut keys drawn on them)
        extra = [2.0] * (not on_step_page) + [0.6, 0.6] * presenting()  # presenter buttons: icons only
        columns = st.columns([5.0, 2.0, 2.0, *extra, 1.1], vertical_alignment="center", gap="small")
        where = " · *you left this step's page*" if not on_step_page else ""
        columns[0].markdown(f":material/school: {lesson.title} · **step {index + 1} of {count}: {step.title}**{where}")
        columns[1].button(
            "Previous",
            icon=":material/arrow_back:",
            shortcut="Left",
            on_click=start,
            args=(lesson.name, index - 1),
            disabled=index == 0,
            key="lesson_prev",
            width="stretch",
        )
        columns[2].button(
            "Reveal" if hidden else "Next",
            icon=":material/visibility:" if hidden else ":material/arrow_forward:",
            shortcut="Right",
            on_click=_next,
            args=(lesson.name, index, hidden),
            disabled=index == count - 1 and not hidden,
            type="primary",
            key="lesson_next",
            width="stretch",
        )
        rest = columns[3:-1]
        if not on_step_page:
            rest.pop(0).button(
                "Back to the step", icon=":material/undo:", on_click=start, args=(lesson.name, index), width="stretch"
            )
        if presenting():
            _presenter_buttons(*rest, labels=False)
        columns[-1].button("End", icon=":material/close:", on_click=end_lesson, key="lesson_end", type="tertiary")
        if step.notes:
            with st.expander("Speaker notes", icon=":material/speaker_notes:"):
                st.markdown(step.notes)
    if hidden:
        with st.container(border=True, key="lesson_ask"):
            st.markdown(f"#### :material/quiz: Ask the room first\n\n{step.ask}")
            st.caption("The figures are hidden until you reveal them: press → or Reveal.")


def step_problems(step: Step, widgets: dict) -> list[str]:
    """The step's parameters the page did not take: no such control drawn, or a value it refused (it then fell
    back to its default). ``widgets``: what the page's ``ui.*`` helpers recorded (key → (value, options, url))."""
    problems = []
    for key, raw in step.params.items():
        values = list(raw) if isinstance(raw, tuple) else [raw]
        if key not in widgets:
            problems.append(f"`{key}`: the page has no such control (with the step's other settings).")
            continue
        value, _options, url_text = widgets[key]
        if not contract._matches(values, url_text):
            problems.append(f"`{key}={', '.join(values)}` is not a valid value here; using `{value}` instead.")
    return problems


def checked_step(run: dict, problems: list[str]) -> tuple[str, list[str]]:
    """From ``ui.end``: the heading and the list of the URL notice. On the run that opened a lesson step it
    names the step and lists every parameter of the step the page could not use (an unknown control too);
    otherwise it is the page's own "link you opened" notice."""
    page = st.session_state.get(contract._OPENED)
    keys = st.session_state.setdefault(PAGE_KEYS, {})
    keys[page] = sorted(set(keys.get(page, ())) | set(run["widgets"]))
    current = active_step()
    if current is None or st.session_state.get(CHECK) != (current[0].name, current[1]):
        return URL_HEADING, problems
    lesson, index, step = current
    if step.page != page:
        return URL_HEADING, problems
    st.session_state.pop(CHECK, None)
    return (
        f"Lesson “{lesson.title}”, step {index + 1} ({step.title}): this page could not use these settings:",
        step_problems(step, run["widgets"]),
    )


def page_tools() -> None:
    """From ``ui.end``: the sidebar's Lecture panel (not on Home or the Lessons page)."""
    page = st.session_state.get(contract._OPENED)
    if page in (HOME.url_path, LESSONS.url_path) or page is None:
        return
    with st.sidebar.expander("Lecture", icon=":material/co_present:"):
        st.button(
            "Add this view to your lesson",
            icon=":material/playlist_add:",
            on_click=_add_view,
            args=(page,),
            key="lesson_add_view",
            width="stretch",
            help="This page with every control as it is now becomes the next step of the lesson you build.",
        )
        added = st.session_state.pop(ADDED, None)
        count = len(_draft()["steps"])
        st.caption((added + " " if added else "") + f"Your lesson has {count} step{'s' * (count != 1)}.")
        st.page_link(LESSONS.path, label="Edit, download or run it", icon=":material/school:")
        if not presenting():
            st.button(
                "Presenter view",
                icon=":material/open_in_full:",
                on_click=set_presenting,
                args=(True,),
                key="presenter_on",
                width="stretch",
                help="No sidebar or toolbar, larger text and figures, high contrast (present=1 in the URL).",
            )
