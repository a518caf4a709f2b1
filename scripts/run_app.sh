#!/usr/bin/env bash
# Install what the app needs (first run only) and start it: streamlit run app.py
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements.txt
exec .venv/bin/streamlit run app.py --browser.gatherUsageStats false "$@"
