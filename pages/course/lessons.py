"""Lessons: prepared sequences of page states to run in a lecture, and the lesson you build yourself.

The editor's fields are session state, not URL parameters (a lesson in progress is not a page setting): the
lesson itself travels as a TOML file (download, upload). Everything else on this page is in ui/lessons.py.
"""

from dataclasses import replace

import streamlit as st

from core import user_data
from core.errors import InputError
from core.lessons import DATA_DIR, LessonError, dumps_lesson, parse_lesson, slug
from ui import contract as ui
from ui import lessons
from ui.registry import SECTIONS

ui.begin(
    __file__,
    intro="A lesson is a sequence of page states, each with speaker notes and, optionally, a question for the room "
    "that hides the figures until you reveal them. Start one and every page shows the lesson bar: **→** next "
    "(or reveal), **←** previous, **space** plays or pauses training. Add `present=1` to any address, or press "
    "*Presenter view* in a page's Lecture panel, for the projector: no sidebar or toolbar, larger text and figures.",
)
state = st.session_state
shipped, broken = lessons.shipped()
for problem in broken:  # a shipped file that does not parse; the others still load
    ui.problem(problem)


def page_title(url_path: str) -> str:
    return lessons.spec_of(url_path).title


def lesson_card(lesson, *, removable: bool = False) -> None:
    """Title, description, the steps (each opens the lesson there) and the lesson's buttons."""
    with st.container(border=True, key=f"card_{lesson.name}"):
        st.markdown(f"#### :material/school: {lesson.title}")
        if lesson.description:
            st.caption(lesson.description)
        steps = st.container(gap=None)  # a compact list: one line per step
        for i, step in enumerate(lesson.steps):
            steps.button(
                f"{i + 1}. {step.title} — {page_title(step.page)}" + (" · ask first" if step.ask else ""),
                key=f"open_{lesson.name}_{i}",
                type="tertiary",
                on_click=lessons.run_lesson,
                args=(lesson.name, i),
            )
        row = st.container(horizontal=True)
        row.button(
            "Start",
            icon=":material/play_arrow:",
            type="primary",
            key=f"start_{lesson.name}",
            on_click=lessons.run_lesson,
            args=(lesson.name,),
        )
        row.button(
            "Add its steps to your lesson",
            icon=":material/playlist_add:",
            key=f"copy_{lesson.name}",
            on_click=copy_steps,
            args=(lesson,),
        )
        row.download_button(
            "TOML",
            data=dumps_lesson(lesson),
            file_name=f"{lesson.name}.toml",
            mime="application/toml",
            icon=":material/download:",
            on_click="ignore",
            key=f"toml_{lesson.name}",
        )
        if removable:
            row.button("Remove", icon=":material/delete:", key=f"remove_{lesson.name}", on_click=remove, args=(lesson,))


# ------------------------------------------------------------------------------------------------ callbacks


def copy_steps(lesson) -> None:
    draft = lessons._draft()
    for step in lesson.steps:
        draft["uid"] += 1
        draft["steps"].append({"uid": draft["uid"], "step": step})


def remove(lesson) -> None:
    state.get(lessons.UPLOADED, {}).pop(lesson.name, None)


def edit(uid: int, field: str, key: str) -> None:
    """Write an editor field into the step it belongs to (steps are frozen: a new one replaces it)."""
    value = state[key]
    if field == "controls":
        value = tuple(value)
    for item in lessons._draft()["steps"]:
        if item["uid"] == uid:
            item["step"] = replace(item["step"], **{field: value})


def move(position: int, offset: int) -> None:
    steps = lessons._draft()["steps"]
    target = position + offset
    if 0 <= target < len(steps):
        steps[position], steps[target] = steps[target], steps[position]


def delete(position: int) -> None:
    del lessons._draft()["steps"][position]


def clear() -> None:
    lessons._draft()["steps"].clear()


def rename() -> None:
    lessons._draft()["title"] = state["draft_title"]


# ------------------------------------------------------------------------------------------------ shipped lessons

st.subheader("Lessons of the course")
by_section = sorted(
    shipped.values(), key=lambda x: SECTIONS.index(x.section) if x.section in SECTIONS else len(SECTIONS)
)
columns = st.columns(2)
for i, lesson in enumerate(by_section):
    with columns[i % 2]:
        lesson_card(lesson)

# ------------------------------------------------------------------------------------------------ uploads

st.subheader("Upload a lesson")
upload = st.file_uploader(
    "A lesson file (.toml), e.g. one downloaded here",
    type=["toml"],
    key="lesson_upload",
    help="Checked on upload: valid TOML, a title, steps with a title and a known page. Whether the page accepts "
    "each setting is checked when the step opens (its message names the step).",
)
if upload is not None:
    # read each file once: "Remove" must not bring back a file the uploader still shows
    if state.get("_lesson_upload_result", (None,))[0] != upload.file_id:
        try:
            text = user_data.decode_text(upload.getvalue(), f"**{upload.name}**")
            name = slug(upload.name.removesuffix(".toml"))
            # an uploaded lesson may name the data files this app ships (lessons/data/), nothing else
            lesson = parse_lesson(text, name, lessons._pages(), lessons.LESSONS_DIR / DATA_DIR)
        except LessonError as error:
            result = ("problem", f"**{upload.name}** cannot be used as a lesson:\n\n- " + "\n- ".join(error.problems))
        except InputError as error:  # not UTF-8 text, or too large
            result = ("problem", f"{error} A lesson is a TOML text file.")
        else:
            if lesson.name in shipped or lesson.name == lessons.DRAFT_NAME:
                lesson = replace(lesson, name=f"{lesson.name}-uploaded")
            state.setdefault(lessons.UPLOADED, {})[lesson.name] = lesson
            result = ("loaded", f"Loaded “{lesson.title}” ({len(lesson.steps)} steps): it is listed below.")
        state["_lesson_upload_result"] = (upload.file_id, *result)
    _, kind, message = state["_lesson_upload_result"]
    if kind == "problem":
        ui.problem(message)
    else:
        st.success(message, icon=":material/check:")
for lesson in state.get(lessons.UPLOADED, {}).values():
    lesson_card(lesson, removable=True)

# ------------------------------------------------------------------------------------------------ your lesson

st.subheader("Your lesson")
draft = lessons._draft()
state.setdefault("draft_title", draft["title"])
st.text_input("Title", key="draft_title", on_change=rename)
if not draft["steps"]:
    st.caption(
        "No steps yet. Open any page, set its controls, and press **Add this view to your lesson** in the sidebar's "
        "Lecture panel; or add the steps of a lesson above."
    )
for position, item in enumerate(draft["steps"]):
    step, uid = item["step"], item["uid"]
    with st.container(border=True, key=f"draft_step_{uid}"):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.markdown(f"**{position + 1}.** {page_title(step.page)} · {len(step.params)} settings", width="stretch")
        head.button(":material/arrow_upward:", key=f"up_{uid}", on_click=move, args=(position, -1), help="Move up")
        head.button(":material/arrow_downward:", key=f"down_{uid}", on_click=move, args=(position, 1), help="Move down")
        head.button(":material/delete:", key=f"del_{uid}", on_click=delete, args=(position,), help="Delete this step")
        for field, widget, label in (
            ("title", st.text_input, "Step title"),
            ("ask", st.text_input, "Ask the room first (optional: hides the figures until revealed)"),
            ("notes", st.text_area, "Speaker notes (Markdown)"),
        ):
            key = f"draft_{field}_{uid}"
            state.setdefault(key, getattr(step, field))
            widget(label, key=key, on_change=edit, args=(uid, field, key))
        key = f"draft_controls_{uid}"
        state.setdefault(key, list(step.controls))
        st.multiselect(
            "Controls the presenter view keeps visible",
            list(step.params),
            key=key,
            on_change=edit,
            args=(uid, "controls", key),
        )
row = st.container(horizontal=True)
has_steps = bool(draft["steps"])
row.button(
    "Start",
    icon=":material/play_arrow:",
    type="primary",
    disabled=not has_steps,
    on_click=lessons.run_lesson,
    args=(lessons.DRAFT_NAME,),
    key="draft_start",
)
row.download_button(
    "Download TOML",
    data=dumps_lesson(lessons.draft_lesson()),
    file_name=f"{slug(lessons.draft_lesson().title)}.toml",
    mime="application/toml",
    icon=":material/download:",
    on_click="ignore",
    disabled=not has_steps,
    key="draft_download",
)
row.button("Clear", icon=":material/delete_sweep:", disabled=not has_steps, on_click=clear, key="draft_clear")

ui.what_to_notice(
    "- A step is exactly a page's address: the page and its URL parameters. Steps leave the controls they do not "
    "name at their defaults, so a step always opens the same way.\n"
    "- **Ask the room first** hides the figures of a step until you press → (or *Reveal*): predict, then see.\n"
    "- The keyboard never takes a key from a focused slider, text field or select box: click the page's "
    "background (or press Tab out of the field) before → / ← / space.\n"
    "- Every figure has HTML and CSV downloads under it, and a PNG in its own toolbar (the camera); the HTML opens "
    "offline, and an animated figure's HTML can save its frames as a GIF or a PNG strip."
)
ui.end()
