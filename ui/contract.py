"""The page contract, as helpers every page calls (see DEVELOPERS.md / the foundation issue).

A page looks like::

    spec = ui.begin(__file__)                      # title, sheet reference, URL-state bookkeeping
    gamma = ui.slider("Discount γ", "gamma", 0.0, 1.0, 0.9, 0.01, help="...")
    seed = ui.seed()
    result = ui.attempt(cached_compute, gamma, seed)   # InputError -> a clear message, page stops
    ui.figure(viz.something(result))
    ui.formula(r"Q_{k+1}(s,a) = ...")
    ui.what_to_notice("...")
    ui.end()                                       # tells the user about URL values that were invalid

Every widget helper binds its value to the URL (``bind="query-params"``) under its ``key``, so a copied
URL restores the page. Streamlit drops URL values a widget cannot take; ``end()`` then says which.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from core.errors import InputError
from ui.latex import MAX_VISIBLE_SYMBOLS, fit_display
from ui.registry import COURSE, PAGES, PageSpec

if TYPE_CHECKING:
    import plotly.graph_objects as go

T = TypeVar("T")

# Deliberate messages carry these icons (Material Symbols: bundled with Streamlit, drawn offline; emoji draw as
# empty boxes without an emoji font); the tests treat any other error element as a defect.
PROBLEM_ICON = ":material/error:"
CAUTION_ICON = ":material/warning:"
URL_ICON = ":material/link_off:"

_RUN = "_ui_run"
_LIVE_FRAME: contextvars.ContextVar[bool] = contextvars.ContextVar("ml_playground_live_frame", default=False)
"""True while a training session draws a frame of live training (ui/training.py), in this script thread only.

Not a session_state flag: a run that Streamlit stops in the middle of a frame (Pause pressed on a busy machine)
may no longer write session_state, so a flag reset in a ``finally`` there stayed True, and every later figure of
the session was drawn as a live frame (the paused charts never came back). A context variable's reset cannot be
refused."""


@contextlib.contextmanager
def live_frame() -> Iterator[None]:
    """The figures drawn inside are a frame of live training: no mode bar, no export, one live graph each."""
    token = _LIVE_FRAME.set(True)
    try:
        yield
    finally:
        _LIVE_FRAME.reset(token)


_OPENED = "_ui_opened_page"
"""The url_path of the page this session last drew: a run for another page is the one that opened it."""


def spec_for(path: str) -> PageSpec:
    """The registry entry of a page script, found by its path under ``pages/`` (``pages/rl/dqn.py``)."""
    normalized = path.replace("\\", "/")
    for spec in (*PAGES, *COURSE):
        if normalized.endswith("/" + spec.path) or normalized == spec.path:
            return spec
    raise KeyError(f"{path} is not registered in ui/registry.py")


def begin(path: str, intro: str | None = None) -> PageSpec:
    """Start a page: title with its sheet section, optional intro, and the URL bookkeeping for ``end()``."""
    spec = spec_for(path)
    # Only the run that opens the page reads the URL as "the link you opened". On later runs the browser's URL
    # can lag behind the widgets (quick arrow presses, a Next that moves a bound slider, an emptied multiselect),
    # and comparing the two then blamed the user for a link they never opened.
    left = st.session_state.get(_OPENED)
    opened = left != spec.url_path
    if opened and left is not None:
        _forget_controls_of(left)
    st.session_state[_OPENED] = spec.url_path
    from ui import lessons  # here: ui.lessons imports this module

    lessons.bar(spec)  # lecture mode: the lesson bar, the presenter view, an "ask the room first" step
    st.session_state[_RUN] = {
        "url": {k: st.query_params.get_all(k) for k in st.query_params.keys()} if opened else {},
        "widgets": {},
        "notices": st.empty(),
        "figures": 0,
    }
    st.title(f"{spec.icon} {spec.title}")
    if spec.sheet:
        st.caption(f"Course sheet § {spec.sheet}")
    if intro:
        st.markdown(intro)
    return spec


_DRAWN = "_ui_drawn_keys"
"""session_state: page url_path → the keys of the controls that page drew in this session."""


def _forget_controls_of(url_path: str) -> None:
    """Drop the values of the controls the page being left drew.

    Streamlit (1.67) keeps a URL-bound widget's value under its key after its page is left and hands it to a
    same-named widget of the next page (γ = 0.5 set on the MDP page opened Q-learning with γ = 0.5). An
    unbound widget's state is dropped when its page is left; this gives bound ones the same rule, so a page
    opens on its defaults or on its own link.
    """
    for key in st.session_state.get(_DRAWN, {}).get(url_path, ()):
        if key in st.session_state:
            del st.session_state[key]


def _record(key: str, value: Any, options: Sequence | None = None, url_text: Any = None) -> None:
    """Remember a widget's value (and, for choices, its options and the label the URL carries)."""
    run = st.session_state.get(_RUN)
    if run is not None:
        run["widgets"][key] = (value, options, value if url_text is None else url_text)
        page = st.session_state.get(_OPENED)
        st.session_state.setdefault(_DRAWN, {}).setdefault(page, set()).add(key)


def _matches(raw: list[str], value: Any) -> bool:
    """Does the URL text ``raw`` describe the widget's actual ``value``?"""
    if isinstance(value, (list, tuple)):
        return len(raw) == len(value) and all(_matches([r], v) for r, v in zip(raw, value))
    if not raw:
        return False
    text = raw[0]
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return math.isclose(float(text), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False
    return text == str(value)


def end() -> None:
    """Finish a page: name every URL value that could not be used (the widget fell back to its default)."""
    run = st.session_state.get(_RUN)
    if run is None:
        return
    problems = []
    for key, (value, _options, url_text) in run["widgets"].items():
        raw = run["url"].get(key)
        if raw and not _matches(raw, url_text):
            shown = ", ".join(raw)
            problems.append(f"`{key}={shown}` is not a valid value here; using `{value}` instead.")
    from ui import lessons  # here: ui.lessons imports this module

    # a lesson step that was just opened: the notice names the step and every parameter the page did not take
    heading, problems = lessons.checked_step(run, problems)
    if problems:
        with run["notices"].container():
            st.warning(heading + "\n\n- " + "\n- ".join(problems), icon=URL_ICON)
    lessons.page_tools()  # the sidebar's Lecture panel: add this view to your lesson, presenter view


# --------------------------------------------------------------------------------------------- widgets


def _where(container):
    return container if container is not None else st.sidebar


def slider(
    label: str,
    key: str,
    min_value: float,
    max_value: float,
    value: float,
    step: float | None = None,
    *,
    help: str | None = None,
    format: str | None = None,
    container=None,
    on_change: Callable | None = None,
) -> Any:
    """A URL-bound slider (int or float, by the type of ``value``)."""
    result = _where(container).slider(
        label,
        min_value,
        max_value,
        value,
        step,
        key=key,
        help=help,
        format=format,
        on_change=on_change,
        bind="query-params",
    )
    _record(key, result)
    return result


def number(
    label: str,
    key: str,
    min_value: float | None,
    max_value: float | None,
    value: float,
    step: float | None = None,
    *,
    help: str | None = None,
    format: str | None = None,
    container=None,
    on_change: Callable | None = None,
) -> Any:
    """A URL-bound number input."""
    result = _where(container).number_input(
        label,
        min_value,
        max_value,
        value,
        step,
        key=key,
        help=help,
        format=format,
        on_change=on_change,
        bind="query-params",
    )
    _record(key, result)
    return result


def select(
    label: str,
    key: str,
    options: Sequence[T],
    default: T | None = None,
    *,
    help: str | None = None,
    format_func: Callable[[T], str] = str,
    container=None,
    horizontal_radio: bool = False,
    on_change: Callable | None = None,
) -> T:
    """A URL-bound choice: a selectbox, or a horizontal radio when ``horizontal_radio``."""
    options = list(options)
    index = options.index(default) if default is not None else 0
    where = _where(container)
    if horizontal_radio:
        result = where.radio(
            label,
            options,
            index,
            key=key,
            help=help,
            format_func=format_func,
            horizontal=True,
            on_change=on_change,
            bind="query-params",
        )
    else:
        result = where.selectbox(
            label,
            options,
            index,
            key=key,
            help=help,
            format_func=format_func,
            on_change=on_change,
            bind="query-params",
        )
    # choice widgets carry the option's label (format_func) in the URL
    _record(key, result, options, format_func(result))
    return result


def multiselect(
    label: str,
    key: str,
    options: Sequence[T],
    default: Sequence[T] = (),
    *,
    help: str | None = None,
    format_func: Callable[[T], str] = str,
    container=None,
) -> list[T]:
    """A URL-bound multiselect."""
    result = _where(container).multiselect(
        label, list(options), list(default), key=key, help=help, format_func=format_func, bind="query-params"
    )
    _record(key, result, options, [format_func(v) for v in result])
    return result


def toggle(
    label: str, key: str, value: bool = False, *, help: str | None = None, container=None, on_change=None
) -> bool:
    """A URL-bound on/off switch."""
    result = _where(container).toggle(label, value, key=key, help=help, on_change=on_change, bind="query-params")
    _record(key, result)
    return result


def text_area(
    label: str, key: str, value: str, *, help: str | None = None, height: int | None = None, container=None
) -> str:
    """A URL-bound multi-line text (e.g. a grid layout or a list of numbers)."""
    result = _where(container).text_area(label, value, key=key, help=help, height=height, bind="query-params")
    _record(key, result)
    return result


def text_input(label: str, key: str, value: str, *, help: str | None = None, container=None) -> str:
    """A URL-bound one-line text."""
    result = _where(container).text_input(label, value, key=key, help=help, bind="query-params")
    _record(key, result)
    return result


def seed(key: str = "seed", value: int = 0, *, container=None) -> int:
    """The page's random seed: same seed, same numbers and pictures."""
    return int(
        number(
            "Seed",
            key,
            0,
            2**31 - 1,
            value,
            1,
            help="Every random draw on this page is made from this seed: same seed, same result.",
            container=container,
        )
    )


# --------------------------------------------------------------------------------------------- content


def attempt(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn``; if the user's input makes it impossible (InputError), say why and stop the page there.

    Only :class:`InputError` is caught: it is the deliberate "your input cannot work" signal of core/.
    Streamlit's own control-flow exceptions and real bugs pass through.
    """
    try:
        return fn(*args, **kwargs)
    except InputError as error:
        problem(str(error))
        end()
        st.stop()
        raise  # unreachable: st.stop() raises


def problem(message: str) -> None:
    """A deliberate error message that names what is wrong with the input."""
    st.error(message, icon=PROBLEM_ICON)


def caution(message: str) -> None:
    """A deliberate warning (the result is shown but needs a caveat, e.g. no convergence)."""
    st.warning(message, icon=CAUTION_ICON)


def _fit_margins(fig: go.Figure | dict, scale: float) -> go.Figure | dict:
    """The figure with margins that already fit it (viz.margins.fit); a figure's JSON is copied, not changed (it
    may be a cached value)."""
    from viz import margins

    layout, traces = (
        (fig.get("layout") or {}, fig.get("data") or []) if isinstance(fig, dict) else (fig._layout, fig._data)
    )
    fitted = margins.fit(layout, traces, scale)
    if fitted is None:
        return fig
    if isinstance(fig, dict):
        return {**fig, "layout": {**layout, "margin": {**(layout.get("margin") or {}), **fitted}}}
    fig.update_layout(margin=fitted)
    return fig


def figure(fig: go.Figure | dict, *, key: str | None = None, on_select: str | Callable = "ignore", selection_mode=None):
    """Show a Plotly figure full-width, offline-safe (no logo link, no mode-bar cloud button), in the colours of
    the viewer's theme (light or dark, as the browser reports it).

    ``fig`` may also be a figure's ``fig.to_plotly_json()`` dict: what a ``st.cache_data`` figure builder returns,
    so that a rerun which does not change that figure does not build it again (a cached ``go.Figure`` itself
    would be rebuilt, with Plotly's slow validation, each time it is unpickled)."""
    from ui import figure_export, lessons  # here: both import this module

    # imported here, not at the top: pages without figures (Home) never load Plotly
    from viz import plain, theme

    if lessons.presenting():  # presenter view: larger, high-contrast text, written into the figure's JSON
        # (a figure built without validation, viz.plain, cannot take update_layout)
        fig = theme.for_presenter(
            fig if isinstance(fig, dict) else fig.to_plotly_json(), st.context.theme.type == "dark"
        )
    # margins wide enough for the labels, legend and colour bar: Plotly then draws the figure once, not twice
    fig = _fit_margins(fig, theme.PRESENTER_SCALE if lessons.presenting() else 1.0)
    if isinstance(fig, dict):
        # a cached figure's JSON goes to the browser as it is (plain.Spec), without a Figure rebuilt from it
        fig = plain.Spec(plain.dark(fig) if st.context.theme.type == "dark" else fig)
    elif st.context.theme.type == "dark":
        theme.for_dark_theme(fig)
    kwargs = {}
    if on_select != "ignore":
        kwargs["on_select"] = on_select
        if selection_mode is not None:
            kwargs["selection_mode"] = selection_mode
    if _LIVE_FRAME.get():
        # A frame of live training (ui/training.py): it leaves out what nobody uses while it moves (the mode bar,
        # the export buttons) and goes into a graph that Plotly updates in place (ui/live_chart.py); st.plotly_chart
        # would rebuild the whole plot in the browser for every frame.
        config = {"displaylogo": False, "showLink": False, "displayModeBar": False}
        from ui import live_chart, recording

        if live_chart.ENABLED:  # one graph kept alive across frames: Plotly.react, not a rebuilt plot
            # and its JSON text, as sent, is one frame of the run's recording, exported when paused
            recording.add(live_chart.show(fig, config, key=key))
            return None
        recording.add(fig)
        return st.plotly_chart(fig, width="stretch", key=key, config=config, theme=None, **kwargs)
    name = figure_export.next_name()
    # the mode bar's camera saves a PNG in the browser (offline) at slide resolution
    config = {"displaylogo": False, "showLink": False, "toImageButtonOptions": figure_export.png_options(name)}
    chart = st.plotly_chart(fig, width="stretch", key=key, config=config, theme=None, **kwargs)
    from ui import recording

    # HTML and CSV, built only when clicked; under a paused trainer's figure also its recording (GIF, PNG strip)
    figure_export.downloads(fig, name, recorded=recording.next_frames())
    return chart


def formula(latex: str, caption: str | None = None, *, share: float = 1.0) -> None:
    """A formula of what the page computes (optionally with the current numbers substituted).

    ``share``: the part of the main column it is drawn in (0.5 inside one of two columns), so that a formula
    too wide for that width is stacked, not clipped, at 1280 px."""
    if caption:
        st.caption(caption)
    st.latex(fit_display(latex, round(MAX_VISIBLE_SYMBOLS * share)))


def what_to_notice(markdown: str) -> None:
    """The short "What to notice" text every page ends its explanation with."""
    with st.container(border=True):
        st.markdown(":material/visibility: **What to notice**\n\n" + markdown)


def erratum(sheet_says: str, correct: str) -> None:
    """Where the course sheet is wrong: what it says, and the correct statement."""
    with st.container(border=True):
        st.markdown(
            f":material/edit_note: **Erratum — the course sheet.** The sheet says {sheet_says}\n\n**Correct:** {correct}"
        )


# --------------------------------------------------------------------------------------------- bad input, page goes on

_LAST_GOOD = "_ui_last_good"
"""Per session: (page url_path, name) -> the last result computed from valid input, for ``attempt_or_last``."""


def attempt_or_last(
    name: str, fn: Callable[..., T], *args: Any, container=None, **kwargs: Any
) -> tuple[T | None, bool]:
    """Call ``fn``; on an InputError name the problem in ``container`` and let the page go on drawing.

    Put ``container`` right under the control whose value caused the problem (e.g. ``st.sidebar`` just after
    the text area) so the message sits beside it. Returns ``(result, stale)``: the fresh result and False; or,
    after an InputError, the last result computed for ``name`` on this page in this session (None when there
    never was one) and True. A page that draws a stale result says so with ``showing_last_valid``. Unlike
    ``attempt`` this never stops the page: one bad field must not blank every figure.
    """
    store: dict = st.session_state.setdefault(_LAST_GOOD, {})
    slot = (st.session_state.get(_OPENED), name)
    try:
        result = fn(*args, **kwargs)
    except InputError as error:
        (container if container is not None else st).error(str(error), icon=PROBLEM_ICON)
        return store.get(slot), True
    store[slot] = result
    return result, False


def showing_last_valid(what: str, where: str, *, shown: str | None = None) -> None:
    """The caption over figures drawn from a stale ``attempt_or_last`` result: what they show and which control
    holds the input that could not be used. ``shown`` names what is drawn when there never was a valid ``what``
    (e.g. "the preset's grid"); by default "the last valid ``what``"."""
    st.caption(
        f":material/history: **Showing {shown or f'the last valid {what}'}**: the current {where} cannot be used "
        "(its message says why). Fix it and the figures follow again."
    )


# --------------------------------------------------------------------------------------------- URL-bound layout


def tabs(labels: Sequence[str], key: str, default: str | None = None) -> Sequence:
    """URL-bound tabs: the open tab's label is the URL parameter ``key``, so a copied link opens on that tab.

    Switching tabs reruns the page (Streamlit's bound tabs track their state), so each tab has ``.open``: a page
    puts a tab's content under ``if tab.open:`` and only the open tab's figures are computed, sent and drawn
    (Streamlit otherwise draws every tab's figures on every rerun, hidden or not: on the VAE page a control step
    went from 1.55 s to the figures redrawn down to 0.69 s in Chromium). The controls of a closed tab keep their
    values in the session (its URL parameters come back when the tab is opened again).
    """
    labels = list(labels)
    containers = st.tabs(labels, default=default, key=key, bind="query-params")
    _record(key, st.session_state.get(key, default or labels[0]), labels)
    return containers
