#!/usr/bin/env bash
# Install what the tests need (first run only), then lint and run the whole suite on 2 workers.
# Browser tests drive Debian's chromium; it is installed with apt when missing. Under CI=true a missing
# browser fails the run instead of skipping the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "apt could not install chromium"
  fi
fi
if ! command -v chromium >/dev/null 2>&1 && [ "${CI:-}" = "true" ]; then
  echo "chromium is missing and CI=true: browser tests cannot run" >&2
  exit 1
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
