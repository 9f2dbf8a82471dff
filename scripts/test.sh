#!/usr/bin/env bash
# The whole suite: lint and types; the built wheel, installed into a fresh venv, run from an
# empty directory (scripts/wheel-smoke.sh); then start the real services, run every test, stop
# them.
# Services this script started are stopped again, whatever the outcome; services that were
# already running are left as they were.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy"
bash scripts/wheel-smoke.sh

started=()
for name in postgres redis mariadb mosquitto kafka solr ckan keycloak; do
  if ! bash scripts/services/$name.sh status >/dev/null 2>&1; then
    started+=("$name")
  fi
done
stop_started() {
  ((${#started[@]})) && bash scripts/services.sh stop "${started[@]}" || true
}
trap stop_started EXIT

bash scripts/services.sh start
bash scripts/browser.sh >/dev/null  # Debian's chromium for tests/browser
"$bin/python" -m pytest "$@"
