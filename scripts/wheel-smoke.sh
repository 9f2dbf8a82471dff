#!/usr/bin/env bash
# The built wheel, installed (not editable) into a fresh venv, runs from an empty directory:
# `kho catalogue validate`, `kho connector list`, `kho demo --once`, and `kho serve` answering
# its public GETs. It proves that the catalogue, schemas, procedures, publications and connector
# configurations ship as package data and that nothing reads the checkout.
#
# The wheel is built from a copy of the checkout's files (tracked and new, not ignored ones), so
# that a stale build/ folder cannot slip a removed module into it. The dependencies come from a
# wheelhouse in the user's cache (KHO_WHEELHOUSE), filled from the package index on first use.
#   bash scripts/wheel-smoke.sh            (PYTHON=python3.12 to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/kho-wheel-smoke.XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "wheel-smoke: $*" >&2; exit 1; }
step() { echo "wheel-smoke: [${SECONDS}s] $*"; }

step "copying the checkout and building the wheel"
mkdir -p "$work/src" "$work/dist" "$work/empty"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done \
    | tar --null -T - -cf - | tar -xf - -C "$work/src"
  # the pages' front-end files are git-ignored (scripts/web-assets.sh copies them from npm at
  # install time) and still ship in the wheel
  if [ -d hub/app/web/static/vendor ]; then
    mkdir -p "$work/src/hub/app/web/static" && cp -r hub/app/web/static/vendor "$work/src/hub/app/web/static/"
  fi
else  # an exported tree (no git): everything but what git would ignore
  tar --exclude=./.venv --exclude=./.kho --exclude=./.services --exclude=./build \
    --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -xf - -C "$work/src"
fi
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" wheel --no-deps --wheel-dir "$work/dist" "$work/src"
wheel=$(ls "$work/dist"/kho-*.whl)
"$work/venv/bin/python" - "$wheel" "$([ -d hub/app/web/static/vendor ] && echo vendor)" <<'EOF'
import sys
import zipfile

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
shipped = [
    "hub/app/web/templates/base.html",
    "hub/app/web/static/kho.css",
    "hub/app/web/static/favicon.ico",
    *(["hub/app/web/static/vendor/uPlot.iife.min.js"] if sys.argv[2] == "vendor" else []),
    "hub/defaults/catalogue/datasets.yaml",
    "hub/defaults/catalogue/procedures.yaml",
    "hub/defaults/catalogue/publications.yaml",
    "hub/defaults/schemas/tthc/dossier.avsc",
    "connectors/configs/tthc-dossiers.yaml",
]
missing = [name for name in shipped if name not in names]
if missing:
    sys.exit(f"wheel-smoke: the wheel lacks {', '.join(missing)}")
EOF

step "installing $(basename "$wheel") into a fresh venv"
# The dependencies' wheels are kept in a wheelhouse (pinned versions: it stays valid), since the
# package index's answers are not cached by pip; a missing one is downloaded into it first.
wheelhouse=${KHO_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/kho/wheelhouse}
mkdir -p "$wheelhouse"
if ! "${pip[@]}" install --no-compile --no-index --find-links "$wheelhouse" "$wheel" 2>/dev/null; then
  step "filling the wheelhouse $wheelhouse"
  "${pip[@]}" wheel --wheel-dir "$wheelhouse" "$wheel"
  rm -f "$wheelhouse"/kho-*.whl
  "${pip[@]}" install --no-compile --no-index --find-links "$wheelhouse" "$wheel"
fi
kho=$work/venv/bin/kho
cd "$work/empty"

step "kho catalogue validate"
out=$("$kho" catalogue validate) || fail "kho catalogue validate failed: $out"
grep -q "Hợp lệ" <<<"$out" || fail "kho catalogue validate said: $out"
echo "$out"

step "kho connector list"
out=$("$kho" connector list) || fail "kho connector list failed: $out"
grep -q "tthc-dossiers" <<<"$out" || fail "kho connector list lacks the shipped connectors"

step "kho demo --once"
"$kho" demo --once >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; fail "kho demo --once failed"; }
[ -d .kho/opendata ] && [ -f .kho/bus.sqlite3 ] && [ -f .kho/kho.sqlite3 ] \
  || fail "kho demo --once left no embedded hub in .kho/"
ls .kho/opendata/*/ >/dev/null 2>&1 || fail "kho demo --once published nothing"

step "kho serve --port"
port=$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$kho" serve --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1 &
server=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do
  "$work/venv/bin/python" -c "import httpx, sys; httpx.get('$base/healthz')" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; fail "kho serve stopped"; }
  sleep 0.2
done
"$work/venv/bin/python" - "$base" <<'EOF'
import sys

import httpx

base = sys.argv[1]
for path in ("/healthz", "/openapi.json", "/api/v1/catalogue", "/api/v1/publications",
             "/registry/subjects", "/", "/chi-so-766", "/static/kho.css"):
    answer = httpx.get(base + path)
    if answer.status_code != 200:
        sys.exit(f"wheel-smoke: GET {path} answered {answer.status_code}")
subjects = httpx.get(base + "/registry/subjects").json()
datasets = httpx.get(base + "/api/v1/catalogue").json()["datasets"]
if len(subjects) <= len(datasets):
    sys.exit(f"wheel-smoke: {len(subjects)} registry subjects for {len(datasets)} datasets")
print(f"wheel-smoke: kho serve answers; {len(subjects)} registry subjects, {len(datasets)} datasets")
EOF
step "ok"
