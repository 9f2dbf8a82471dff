#!/usr/bin/env bash
# Every benchmark at two sizes of work, a small and a large, against the real services, then one
# table (bench/report.py): per benchmark its figure and aim at each size, whether the aim is met,
# the cost per unit of work at each size and how cost grew with work (worse than linear is
# flagged). The same run is written as JSON to .bench/<timestamp>.json (git-ignored), for
# `make bench-compare A B`. Starts Kafka and PostgreSQL if needed and stops what it
# started (bench/publish.py does the same for Redis, Solr and CKAN). Each bench is a script,
# runnable alone as `.venv/bin/python bench/X.py`; what they share is bench/harness.py.
#
# The shipped sizes are 10× apart, the large one the issue's 1,000,000 where the whole run stays
# under 40 minutes on 2 cores (each line says what its bench takes): the index and the pages
# re-index every dossier on each run, so they stop at 200,000, and scaling out starts six
# processes per size, so it stops at 25,000 (5×). Set them per bench as
# BENCH_<NAME>_SIZES="small large"; BENCH_QUICK=1 runs every bench at two tiny
# sizes and with short measurements, a smoke run of a few minutes whose figures mean little.
# BENCH_ONLY="ingest prefill" runs only the benches named. BENCH_<NAME>_ARGS add arguments to a
# bench (both sizes), e.g. BENCH_PREFILL_ARGS="--requests 2000"; the arguments of this script go
# to bench/ingest.py, e.g. --kafka kafka://kho:kho@127.0.0.1:19092.
# A bench that fails is named under the table and the script exits 1 after the report.
# shellcheck disable=SC2086 # BENCH_<NAME>_ARGS are left unquoted: split into words on purpose
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
quick=${BENCH_QUICK:-}
gets="--requests 100 --budget 20"  # GETs of each API question or page, at most seconds each
[[ -n $quick ]] && gets="--requests 20 --budget 5"
pg_port=${KHO_SVC_PG_PORT:-15432}

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
bash scripts/services.sh start postgres kafka || exit 1

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p .bench
export KHO_BENCH_RECORDS="$PWD/.bench/$stamp.jsonl"
run_started=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
failed=()

# sizes NAME SHIPPED QUICK: the two sizes of a bench, from BENCH_<NAME>_SIZES, else the preset
sizes() {
  local override="BENCH_${1}_SIZES"
  if [[ -n ${!override:-} ]]; then echo "${!override}"
  elif [[ -n $quick ]]; then echo "$3"
  else echo "$2"; fi
}

# bench NAME SCRIPT SIZE-FLAG SIZES [ARGS...]: the script once per size, failures noted
bench() {
  local name=$1 script=$2 flag=$3 size
  shift 3
  if [[ -n ${BENCH_ONLY:-} && " $BENCH_ONLY " != *" $name "* ]]; then return; fi
  for size in $1; do
    echo "=== $script $flag $size ${*:2}"
    local began=$SECONDS
    if ! "$bin/python" "$script" "$flag" "$size" "${@:2}"; then
      failed+=("--failed" "$name at $size")
    fi
    echo "=== $script $flag $size: $((SECONDS - began)) s"
  done
}

# ingest: records through (a) raw kafka-python, (b) the hub in-process, (c) HTTP; plus a 10 s
# latency run whatever the size. ~1 min at 10,000, ~2 min at 100,000.
bench ingest bench/ingest.py --records "$(sizes INGEST "10000 100000" "2000 10000")" \
  ${quick:+--seconds 2} ${BENCH_INGEST_ARGS:-} "$@"
# connector: a CSV export of N rows → Kafka, plain loop against the connector (writing the CSV,
# ~30 s at 1,000,000, is not measured but counts here). ~45 s at 100,000, ~5 min at 1,000,000.
bench connector_batch bench/connector_batch.py --rows \
  "$(sizes CONNECTORS "100000 1000000" "5000 20000")" ${BENCH_CONNECTORS_ARGS:-}
# prefill: N evidence items for N/10 citizens, each size in a database of its own (seeded once,
# ~1 min at 1,000,000, reused later); 10,000 requests per path. ~1 min per size.
for evidence in $(sizes PREFILL "100000 1000000" "10000 20000"); do
  bench prefill bench/prefill.py --evidence "$evidence" --subjects $((evidence / 10)) \
    --database-url "postgresql://kho:kho@127.0.0.1:$pg_port/kho_bench_prefill_n$evidence" \
    ${quick:+--requests 1000} ${BENCH_PREFILL_ARGS:-}
done
# publish: N dossiers from Kafka to CKAN (loaded once per size, reused), against bare ckanapi.
# ~1 min at 100,000, ~5 min at 1,000,000.
bench publish bench/publish.py --rows "$(sizes PUBLISH "100000 1000000" "2000 10000")" \
  ${BENCH_PUBLISH_ARGS:-}
# 766 index: backfill of N dossiers (produced once per size), 100 GETs of each of three API
# questions (20 s at most each), freshness. ~1.5 min at 20,000, ~5 min at 200,000.
bench index766 bench/index766.py --dossiers "$(sizes INDEX766 "20000 200000" "2000 10000")" \
  $gets ${quick:+--seconds 2} ${BENCH_INDEX766_ARGS:-}
# public pages against the API with N dossiers indexed (put on the bus once per size, indexed
# anew each run), 100 GETs of each page and its API calls (20 s at most each).
# ~2.5 min at 20,000, ~4.5 min at 200,000.
bench pages bench/pages.py --dossiers "$(sizes PAGES "20000 200000" "2000 10000")" \
  $gets ${BENCH_PAGES_ARGS:-}
# scale-out: the index worker, the masking worker and the API with 1 and with 2 instances, each
# a process started for the run (~2 min of start-ups). ~2.5 min at 5,000, ~4 min at 25,000.
bench scale bench/scale.py --dossiers "$(sizes SCALE "5000 25000" "1000 3000")" \
  ${BENCH_SCALE_ARGS:-}

"$bin/python" bench/report.py build "$KHO_BENCH_RECORDS" ".bench/$stamp.json" \
  --started "$run_started" "${failed[@]}" || exit 1
rm -f "$KHO_BENCH_RECORDS"
echo "whole run: $((SECONDS / 60)) min $((SECONDS % 60)) s"
((${#failed[@]} == 0))
