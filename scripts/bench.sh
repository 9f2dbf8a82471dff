#!/usr/bin/env bash
# Benchmarks against the real services: start Kafka and PostgreSQL if needed, run each bench,
# stop what we started. Each bench is a script, runnable alone as `.venv/bin/python bench/X.py`;
# what they share is bench/harness.py.
# Arguments go to bench/ingest.py, e.g. --records 30000 --kafka kafka://kho:kho@127.0.0.1:19092
# (the broker's SASL login; the default is the hub's development account kho/kho).
# BENCH_PREFILL_ARGS go to bench/prefill.py, e.g. "--subjects 2000 --evidence 20000"; its first
# full-size run seeds 1,000,000 evidence items (about a minute), later runs reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

started=()
for service in postgres kafka; do
  if ! bash "scripts/services/$service.sh" status >/dev/null 2>&1; then
    started+=("$service")
  fi
done
stop_started() {
  ((${#started[@]})) && bash scripts/services.sh stop "${started[@]}" || true
}
trap stop_started EXIT

bash scripts/services.sh start postgres kafka
"$bin/python" bench/ingest.py "$@"
# shellcheck disable=SC2086 # word splitting of the extra arguments is intended
"$bin/python" bench/prefill.py ${BENCH_PREFILL_ARGS:-}
# shellcheck disable=SC2086 # BENCH_PUBLISH_ARGS go to bench/publish.py, e.g. "--rows 100000"
"$bin/python" bench/publish.py ${BENCH_PUBLISH_ARGS:-}
# BENCH_CONNECTORS_ARGS go to bench/connector_batch.py, e.g. "--rows 100000"; with --keep-file the
# generated 1,000,000-row CSV (about 30 s to write) is kept for later runs.
# shellcheck disable=SC2086 # word splitting of the extra arguments is intended
"$bin/python" bench/connector_batch.py ${BENCH_CONNECTORS_ARGS:-}
# BENCH_INDEX766_ARGS go to bench/index766.py, e.g. "--dossiers 20000 --requests 50"; its first
# run of a size produces the dossiers onto a topic of their own, later runs reuse it.
# shellcheck disable=SC2086 # word splitting of the extra arguments is intended
"$bin/python" bench/index766.py ${BENCH_INDEX766_ARGS:-}
# BENCH_PAGES_ARGS go to bench/pages.py, e.g. "--dossiers 20000 --requests 100": the public
# pages' render time against the API calls serving the same figures, and their weight.
# shellcheck disable=SC2086 # word splitting of the extra arguments is intended
"$bin/python" bench/pages.py ${BENCH_PAGES_ARGS:-}
# BENCH_SCALE_ARGS go to bench/scale.py, e.g. "--dossiers 100000": the 766 index worker's
# throughput with 1 and with 2 instances in one consumer group.
# shellcheck disable=SC2086 # word splitting of the extra arguments is intended
"$bin/python" bench/scale.py ${BENCH_SCALE_ARGS:-}
