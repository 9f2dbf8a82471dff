#!/usr/bin/env bash
# Benchmarks against the real broker: start Kafka if needed, run each bench, stop what we started.
# Arguments go to bench/ingest.py, e.g. --records 30000 --kafka kafka://kho:kho@127.0.0.1:19092
# (the broker's SASL login; the default is the hub's development account kho/kho).
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
