#!/usr/bin/env bash
# Benchmarks against the real broker: start Kafka if needed, run each bench, stop what we started.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

started=()
if ! bash scripts/services/kafka.sh status >/dev/null 2>&1; then
  started+=(kafka)
fi
stop_started() {
  ((${#started[@]})) && bash scripts/services.sh stop "${started[@]}" || true
}
trap stop_started EXIT

bash scripts/services.sh start kafka
"$bin/python" bench/ingest.py "$@"
