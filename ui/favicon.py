"""The app's favicon as a data URI, read once per process.

Why a data URI: ``st.set_page_config`` runs on every rerun, and a file path as ``page_icon`` sends the image
through PIL (decoded, converted, re-encoded into the media store) each time, ~10 ms on Home's first run, a part
of the cold start measured in bench_browser; a ``data:`` URL is handed to the browser as it is. An emoji or a
``:material/...:`` icon would be fetched from a font CDN (offline: a failing request).
"""

import base64
from pathlib import Path

URI = "data:image/png;base64," + base64.b64encode((Path(__file__).parent / "favicon.png").read_bytes()).decode()
