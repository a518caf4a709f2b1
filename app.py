"""ML Playground: the whole course as live pages. Run with ``streamlit run app.py``."""

import streamlit as st

from ui import favicon, lessons, warmup
from ui.registry import COURSE, HOME, SECTIONS, pages_in

# A local image as the favicon (ui/favicon.py: a data URI, no image decoding per run); without page_icon Streamlit
# fetches its own.
st.set_page_config(page_title="ML Playground", page_icon=favicon.URI, layout="wide")


def _page(spec):
    return st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec is HOME)


navigation = {"": [_page(spec) for spec in COURSE]}
for section in SECTIONS:
    specs = pages_in(section)
    if specs:
        navigation[section] = [_page(spec) for spec in specs]

# Navigation sits at the top: in the sidebar its 27 entries pushed every page's controls ~1,250 px down. The sidebar
# then holds only the page's own controls, beside the figures they change.
page = st.navigation(navigation, position="top")
# Lecture mode: open a lesson step a button asked for (st.switch_page ends this run), and keep the running step
# and the presenter view (present=1) in the URL of whatever page runs now.
lessons.route()
lessons.keyboard()
# Less empty space above the title, so that at 1280×720 (a projector) the first figure starts on the first screen.
st.html(
    "<style>"
    "[data-testid='stMainBlockContainer']{padding-top:3.5rem;padding-bottom:2rem}"
    "[data-testid='stSidebarUserContent']{padding-top:1rem}"
    "h1{font-size:2.1rem !important;padding-top:0.25rem !important;padding-bottom:0.25rem !important}"
    # a display formula that still does not fit (ui/latex.py stacks most) scrolls instead of being cut off
    ".katex-display{overflow-x:auto;overflow-y:hidden;padding:2px 0}"
    # KaTeX draws display math at 1.21em; on a projector-sized window 1.05em fits ~15 % more per line
    "@media (max-width:1440px){.katex-display>.katex{font-size:1.05em}}"
    "</style>"
)
# A room opening the app at once: shared imports done once, first runs of pages one at a time (ui/warmup.py).
with warmup.first_visit(page.url_path, light=page.url_path == ""):
    page.run()
