"""Lessons: ordered sequences of page states, read from and written to TOML (no Streamlit here).

A lesson file (``lessons/<name>.toml``)::

    title = "From the MDP to DQN"
    description = "One line for the Lessons page."
    section = "Reinforcement learning"      # optional: where the Lessons page lists it

    [[steps]]
    title = "Values spread one step per sweep"
    page = "mdp-value-iteration"            # a url_path of ui/registry.py
    ask = "Before we step: which cells know about the +1 after 3 sweeps?"   # optional: figures hidden until revealed
    notes = \"\"\"Speaker notes, Markdown.\"\"\"
    controls = ["k"]                        # optional: the controls the presenter view keeps visible
    [steps.params]                          # the page's URL parameters (its widget keys), as the URL writes them
    preset = "BookGrid 4×3 (AIMA)"
    watch = true
    k = 3
    [steps.data]                            # optional: a dataset too long for a URL, from a file in lessons/data/
    pts = "three-blobs.csv"                 # its text becomes the value of the control `pts`

A step is exactly what a copied URL holds: the page and its query parameters; a dataset a page takes as text (the
points of the neural-network trainer, the labelled texts of Naive Bayes) can live there too while it is short
(``core.user_data.URL_DATA_CHARS``), and a longer one is named in ``[steps.data]`` as a file of ``lessons/data/``,
read as text only (``core.user_data.decode_text``: size-capped UTF-8) when the lesson is loaded. Parameters a step
leaves out take the page's defaults. Whether a value is one the widget accepts is up to the page (the app checks it when the step
opens, the test suite checks every shipped step); this module checks everything else and names the step.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError

URLValue = str | tuple[str, ...]
"""One URL parameter: a single value, or the repeated values of a multiselect (``?algs=a&algs=b``)."""

DATA_DIR = "data"
"""The folder of a lessons directory that holds the steps' data files."""
RESERVED_PARAMS = frozenset({"lesson", "step", "present"})
"""URL parameters of lecture mode itself: a page's widget may not use them, a step may not set them."""

_LESSON_FIELDS = {"title", "description", "section", "steps"}
_STEP_FIELDS = {"title", "page", "params", "notes", "ask", "controls", "data"}
DATA_SUFFIXES = (".csv", ".tsv", ".txt")
"""What a ``[steps.data]`` file may be: text tables and plain text, nothing a page would execute or unpickle."""
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
"""Images of ``lessons/data/``: not read as a step's text, but offered by the image pages' "Shipped image" control
(key ``img``), so a step names one by its file name in ``[steps.params]`` and a copied link keeps it."""
_NAME = re.compile(r"[^a-z0-9]+")


class LessonError(InputError):
    """A lesson file that cannot be used; ``problems`` lists each, naming its step."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Step:
    """One page state of a lesson."""

    title: str
    """What the step shows, in a few words (the lesson bar's label)."""
    page: str
    """The page's url_path (``rl-dqn``)."""
    params: Mapping[str, URLValue] = field(default_factory=dict)
    """The page's URL parameters, as text (what the address bar would hold)."""
    notes: str = ""
    """Speaker notes (Markdown), shown in a collapsed panel."""
    ask: str = ""
    """A question for the room; while not revealed, the page's figures are hidden."""
    controls: tuple[str, ...] = ()
    """Widget keys the presenter view keeps visible (empty: all controls hidden)."""
    data: Mapping[str, str] = field(default_factory=dict)
    """Widget key → file name in ``lessons/data/`` of a dataset too long for the URL (its text is in ``params``)."""

    def url_params(self) -> dict[str, str | list[str]]:
        """The step's parameters as ``st.query_params`` / ``st.switch_page`` take them."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params.items()}


@dataclass(frozen=True)
class Lesson:
    """An ordered list of steps with a title."""

    name: str
    """Its identifier in URLs (``lesson=<name>``): the file name without ``.toml``."""
    title: str
    steps: tuple[Step, ...]
    description: str = ""
    section: str = ""
    """The course section it belongs to ('' for none)."""


def slug(text: str) -> str:
    """A lesson name from a file name or a title: lower-case letters, digits and single hyphens."""
    return _NAME.sub("-", text.lower()).strip("-") or "lesson"


def url_value(value: object) -> URLValue:
    """A widget value (or a TOML value) as the URL writes it: ``true``/``false``, 5.0 → "5", lists repeated.

    The same rules as Streamlit's own URL binding, so a step written from a running page opens that page on the
    same values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value == int(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return tuple(str(url_value(v)) for v in value)
    return str(value)


# ------------------------------------------------------------------------------------------------ reading


def _label(index: int, raw: object) -> str:
    """ "step 3 ('The cliff')" — how messages name a step (1-based, as the lesson bar counts)."""
    title = raw.get("title") if isinstance(raw, dict) else None
    return f"step {index + 1}" + (f" ({title!r})" if isinstance(title, str) and title else "")


def _text(raw: dict, key: str, where: str, problems: list[str], *, required: bool = False) -> str:
    value = raw.get(key, "")
    if key not in raw and required:
        problems.append(f"{where}: `{key}` is missing.")
        return ""
    if not isinstance(value, str):
        problems.append(f"{where}: `{key}` must be text (in quotes), not {type(value).__name__}.")
        return ""
    if required and not value.strip():
        problems.append(f"{where}: `{key}` is empty.")
    return value


def _params(raw: object, where: str, known: set[str] | None, problems: list[str]) -> dict[str, URLValue]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: `params` must be a table ([steps.params]) of URL parameters.")
        return {}
    params: dict[str, URLValue] = {}
    for key, value in raw.items():
        if key in RESERVED_PARAMS:
            problems.append(f"{where}: `{key}` is lecture mode's own URL parameter; a step cannot set it.")
            continue
        if known is not None and key not in known:
            problems.append(f"{where}: the page has no control `{key}`.")
            continue
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict) or not all(isinstance(v, (str, int, float, bool)) for v in items):
            problems.append(f"{where}: parameter `{key}` must be text, a number, true/false or a list of those.")
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{where}: parameter `{key}` = {value} is not a finite number.")
            continue
        params[key] = url_value(value)
    return params


def _data(
    raw: object, where: str, known: set[str] | None, data_dir: Path | None, problems: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """``[steps.data]``: widget key → file name in ``data_dir``; returns (key → file name, key → the file's text)."""
    if raw is None:
        return {}, {}
    # here, not at the top: app.py imports this module for the lesson bar, and user_data's NumPy would otherwise
    # load before Home has drawn
    from core import user_data

    if not isinstance(raw, dict):
        problems.append(f'{where}: `data` must be a table ([steps.data]) of control = "file name".')
        return {}, {}
    names: dict[str, str] = {}
    texts: dict[str, str] = {}
    for key, file_name in raw.items():
        if key in RESERVED_PARAMS or (known is not None and key not in known):
            problems.append(f"{where}: `data` names `{key}`, which is not a control of the page.")
            continue
        # a bare file name: no folders, so a lesson can only read what lessons/data/ ships
        if not isinstance(file_name, str) or Path(file_name).name != file_name or file_name.startswith("."):
            problems.append(f"{where}: data file for `{key}` must be a file name in lessons/data/, e.g. 'points.csv'.")
            continue
        if not file_name.endswith(DATA_SUFFIXES):
            problems.append(f"{where}: data file `{file_name}` must end in {', '.join(DATA_SUFFIXES)}.")
            continue
        path = data_dir / file_name if data_dir is not None else None
        if path is None or not path.is_file():
            problems.append(f"{where}: data file `{file_name}` is not in lessons/data/.")
            continue
        try:
            texts[key] = user_data.decode_text(path.read_bytes(), f"Data file `{file_name}`")
        except InputError as error:
            problems.append(f"{where}: {error}")
            continue
        names[key] = file_name
    return names, texts


def parse_lesson(text: str, name: str, pages: Mapping[str, set[str] | None], data_dir: Path | None = None) -> Lesson:
    """Read a lesson from TOML ``text``; raise :class:`LessonError` listing every problem, each naming its step.

    ``pages`` maps every url_path to the widget keys its page is known to have (None: not known here, keys are
    then checked when the step opens). ``data_dir``: where ``[steps.data]`` files are read (``lessons/data``)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LessonError([f"The file is not valid TOML: {error}."]) from None
    problems: list[str] = []
    for key in sorted(set(raw) - _LESSON_FIELDS):
        problems.append(f"Unknown field `{key}` (a lesson has {', '.join(sorted(_LESSON_FIELDS))}).")
    title = _text(raw, "title", "The lesson", problems, required=True)
    description = _text(raw, "description", "The lesson", problems)
    section = _text(raw, "section", "The lesson", problems)
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append("The lesson has no steps: add at least one [[steps]] table with a `title` and a `page`.")
        raw_steps = []
    steps = []
    for i, raw_step in enumerate(raw_steps):
        where = _label(i, raw_step)
        if not isinstance(raw_step, dict):
            problems.append(f"{where}: must be a [[steps]] table.")
            continue
        for key in sorted(set(raw_step) - _STEP_FIELDS):
            problems.append(f"{where}: unknown field `{key}` (a step has {', '.join(sorted(_STEP_FIELDS))}).")
        step_title = _text(raw_step, "title", where, problems, required=True)
        page = _text(raw_step, "page", where, problems, required=True)
        known = None
        if page and page not in pages:
            problems.append(f"{where}: unknown page `{page}` (not a url_path of this app).")
        elif page:
            known = pages[page]
        params = _params(raw_step.get("params"), where, known, problems)
        data, texts = _data(raw_step.get("data"), where, known, data_dir, problems)
        for key in sorted(set(data) & set(params)):
            problems.append(f"{where}: `{key}` is set both in [steps.params] and in [steps.data]; keep one.")
        params.update(texts)
        controls = raw_step.get("controls", [])
        if not isinstance(controls, list) or not all(isinstance(c, str) for c in controls):
            problems.append(f'{where}: `controls` must be a list of control keys, e.g. ["gamma"].')
            controls = []
        elif known is not None:
            for key in controls:
                if key not in known:
                    problems.append(f"{where}: `controls` names `{key}`, which is not a control of the page.")
        steps.append(
            Step(
                title=step_title,
                page=page,
                params=params,
                notes=_text(raw_step, "notes", where, problems),
                ask=_text(raw_step, "ask", where, problems),
                controls=tuple(controls),
                data=data,
            )
        )
    if problems:
        raise LessonError(problems)
    return Lesson(name=name, title=title, steps=tuple(steps), description=description, section=section)


def load_directory(directory: Path, pages: Mapping[str, set[str] | None]) -> dict[str, Lesson]:
    """Every ``*.toml`` lesson in ``directory`` by name (file stem), in file-name order, their data files read from
    ``directory/data``; a file that does not parse raises its :class:`LessonError`, prefixed with the file's name."""
    lessons = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            text = path.read_text(encoding="utf-8")
            lessons[path.stem] = parse_lesson(text, path.stem, pages, directory / DATA_DIR)
        except LessonError as error:
            raise LessonError([f"{path.name}: {p}" for p in error.problems]) from None
    return lessons


def shipped_images(data_dir: Path) -> tuple[str, ...]:
    """The file names of the images (IMAGE_SUFFIXES) in ``data_dir`` (``lessons/data``), sorted; none if it is
    missing."""
    if not data_dir.is_dir():
        return ()
    return tuple(sorted(p.name for p in data_dir.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES))


def shipped_image_bytes(data_dir: Path, name: str) -> bytes:
    """The bytes of the shipped image ``name``: only a name :func:`shipped_images` lists (no path reaches outside
    ``data_dir``); decode them with ``core.user_data.decode_image``, as an upload."""
    if name not in shipped_images(data_dir):
        raise InputError(f"`{name}` is not an image in lessons/data/.")
    return (data_dir / name).read_bytes()


# ------------------------------------------------------------------------------------------------ writing


def _escape(text: str, *, newlines: bool) -> str:
    """TOML basic-string escapes: quotes, backslashes and control characters (TOML forbids them raw); with
    ``newlines`` the line breaks stay raw (a multi-line string)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\n" if newlines else "\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _toml_string(text: str) -> str:
    """A one-line TOML basic string."""
    return '"' + _escape(text, newlines=False) + '"'


def _toml_multiline(text: str) -> str:
    """Multi-line text (notes) as a TOML multi-line basic string, so the file reads like the notes themselves.
    Every quote is escaped, so no run of three closes it early; the newline after the opening quotes is not
    part of the value (TOML trims it)."""
    if "\n" not in text:
        return _toml_string(text)
    return '"""\n' + _escape(text, newlines=True) + '"""'


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_value(value: URLValue) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_string(v) for v in value) + "]"
    return _toml_multiline(value)  # a dataset's lines stay lines


def dumps_lesson(lesson: Lesson) -> str:
    """The lesson as TOML that :func:`parse_lesson` reads back to an equal lesson (parameters stay text)."""
    lines = [f"title = {_toml_string(lesson.title)}"]
    if lesson.description:
        lines.append(f"description = {_toml_string(lesson.description)}")
    if lesson.section:
        lines.append(f"section = {_toml_string(lesson.section)}")
    for step in lesson.steps:
        lines += ["", "[[steps]]", f"title = {_toml_string(step.title)}", f"page = {_toml_string(step.page)}"]
        if step.ask:
            lines.append(f"ask = {_toml_string(step.ask)}")
        if step.notes:
            lines.append(f"notes = {_toml_multiline(step.notes)}")
        if step.controls:
            lines.append("controls = " + _toml_value(tuple(step.controls)))
        params = {k: v for k, v in step.params.items() if k not in step.data}
        if params:
            lines.append("[steps.params]")
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in params.items()]
        if step.data:
            lines.append("[steps.data]")
            lines += [f"{_toml_key(k)} = {_toml_string(v)}" for k, v in step.data.items()]
    return "\n".join(lines) + "\n"
