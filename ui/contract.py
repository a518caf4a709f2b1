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

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import plotly.graph_objects as go
import streamlit as st

from core.errors import InputError
from ui.registry import HOME, PAGES, PageSpec

T = TypeVar("T")

# Deliberate messages carry these icons; the tests treat any other error element as a defect.
PROBLEM_ICON = "🛑"
CAUTION_ICON = "⚠️"
URL_ICON = "🔗"

_RUN = "_ui_run"


def spec_for(path: str) -> PageSpec:
    """The registry entry of a page script, found by its path under ``pages/`` (``pages/rl/dqn.py``)."""
    normalized = path.replace("\\", "/")
    for spec in (*PAGES, HOME):
        if normalized.endswith("/" + spec.path) or normalized == spec.path:
            return spec
    raise KeyError(f"{path} is not registered in ui/registry.py")


def begin(path: str, intro: str | None = None) -> PageSpec:
    """Start a page: title with its sheet section, optional intro, and the URL bookkeeping for ``end()``."""
    spec = spec_for(path)
    st.session_state[_RUN] = {
        "url": {k: st.query_params.get_all(k) for k in st.query_params.keys()},
        "widgets": {},
        "notices": st.empty(),
    }
    st.title(f"{spec.icon} {spec.title}")
    if spec.sheet:
        st.caption(f"Course sheet § {spec.sheet}")
    if intro:
        st.markdown(intro)
    return spec


def _record(key: str, value: Any, options: Sequence | None = None, url_text: Any = None) -> None:
    """Remember a widget's value (and, for choices, its options and the label the URL carries)."""
    run = st.session_state.get(_RUN)
    if run is not None:
        run["widgets"][key] = (value, options, value if url_text is None else url_text)


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
    if problems:
        with run["notices"].container():
            st.warning(
                "The link you opened had settings this page cannot use:\n\n- " + "\n- ".join(problems), icon=URL_ICON
            )


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


def figure(fig: go.Figure, *, key: str | None = None, on_select: str | Callable = "ignore", selection_mode=None):
    """Show a Plotly figure full-width, offline-safe (no logo link, no mode-bar cloud button)."""
    kwargs = {}
    if on_select != "ignore":
        kwargs["on_select"] = on_select
        if selection_mode is not None:
            kwargs["selection_mode"] = selection_mode
    return st.plotly_chart(
        fig, width="stretch", key=key, config={"displaylogo": False, "showLink": False}, theme=None, **kwargs
    )


def formula(latex: str, caption: str | None = None) -> None:
    """A formula of what the page computes (optionally with the current numbers substituted)."""
    if caption:
        st.caption(caption)
    st.latex(latex)


def what_to_notice(markdown: str) -> None:
    """The short "What to notice" text every page ends its explanation with."""
    with st.container(border=True):
        st.markdown("**👀 What to notice**\n\n" + markdown)


def erratum(sheet_says: str, correct: str) -> None:
    """Where the course sheet is wrong: what it says, and the correct statement."""
    with st.container(border=True):
        st.markdown(f"**📝 Erratum — the course sheet.** The sheet says {sheet_says}\n\n**Correct:** {correct}")
