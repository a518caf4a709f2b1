#!/usr/bin/env bash
# Install what the app needs (first run only) and start it: `streamlit run app.py`, warmed up (scripts/serve.py).
# Extra arguments go to streamlit, e.g. --server.address 0.0.0.0 to serve a room (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements.txt
exec .venv/bin/python scripts/serve.py "$@"
