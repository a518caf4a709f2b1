"""ML Playground: the whole course as live pages. Run with ``streamlit run app.py``."""

import streamlit as st

from ui.registry import HOME, SECTIONS, pages_in

st.set_page_config(page_title="ML Playground", page_icon="🧪", layout="wide")


def _page(spec):
    return st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec is HOME)


navigation = {"": [_page(HOME)]}
for section in SECTIONS:
    specs = pages_in(section)
    if specs:
        navigation[section] = [_page(spec) for spec in specs]

st.navigation(navigation, position="sidebar", expanded=True).run()
