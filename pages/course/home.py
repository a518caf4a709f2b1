"""Home: what the playground is and the map of the course, generated from the page registry."""

import streamlit as st

from ui import contract as ui
from ui.registry import SECTIONS, pages_in

ui.begin(
    __file__,
    intro="One course, one app: every concept of the course sheet as a live page. Move a control, the "
    "pictures and the formulas (with their current numbers) follow. Every page keeps its settings in the "
    "URL: copy the address to bookmark or share exactly what you see.",
)

st.subheader("Map of the course")
columns = st.columns(2)
for i, section in enumerate(SECTIONS):
    specs = pages_in(section)
    with columns[i % 2].container(border=True):
        st.markdown(f"#### {section}")
        if not specs:
            st.caption("Pages for this part of the course are on the way.")
        for spec in specs:
            st.page_link(spec.path, label=f"{spec.title} — § {spec.sheet}", icon=spec.icon)
            st.caption(spec.summary)

ui.what_to_notice(
    "- Every page has the same shape: controls in the sidebar, a live figure, the formula (often with the "
    "page's own numbers substituted), what to notice, and a seed wherever randomness is involved.\n"
    "- Where the course sheet is wrong, the page says so in an **Erratum** box and shows the correct math.\n"
    "- The app works offline: nothing is fetched from the network."
)
ui.end()
