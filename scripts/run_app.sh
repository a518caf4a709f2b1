#!/usr/bin/env bash
# Install what the app needs (first run only) and start it: `streamlit run app.py`, warmed up (scripts/serve.py).
# --address 0.0.0.0 serves a room (see README "Serving a classroom"); other arguments go to streamlit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements.txt
exec .venv/bin/python scripts/serve.py "$@"
