#!/usr/bin/env bash
# CKAN 2.12 for development and CI, from PyPI into a venv under $KHO_SERVICES_DIR/ckan/.
#   bash scripts/services/ckan.sh install   venv + CKAN only (no servers needed; the Solr
#                                           script reads CKAN's schema.xml from it)
#   bash scripts/services/ckan.sh start     install if needed, config, db init, sysadmin,
#                                           API token, then `ckan run` on 127.0.0.1:$KHO_SVC_CKAN_PORT
#   bash scripts/services/ckan.sh stop|status
# Needs PostgreSQL and Redis (started here through their scripts when down) and Solr with a
# `ckan` core at 127.0.0.1:$KHO_SVC_SOLR_PORT (only checked: start it with solr.sh).
# KHO_CKAN_ALLOW_NO_SOLR=1 starts CKAN without Solr anyway; then creating datasets fails.
# Outputs under $KHO_SERVICES_DIR/ckan/:
#   ckan.ini            the configuration (generated once, options re-set on every start)
#   sysadmin.token      API token of the sysadmin `kho_admin` (Authorization header)
#   sysadmin.password   its password (for the web UI)
#   ckan.log, ckan.pid  the server's log and PID
SVC_NAME=ckan
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

CKAN_VERSION=2.12.0
CKAN_DIR="$(svc_dir ckan)"
CKAN_VENV="$CKAN_DIR/venv"
CKAN_INI="$CKAN_DIR/ckan.ini"
CKAN_PID="$CKAN_DIR/ckan.pid"
CKAN_LOG="$CKAN_DIR/ckan.log"
CKAN_STORAGE="$CKAN_DIR/storage"
CKAN_STAMP="$CKAN_DIR/install.stamp"
CKAN_TOKEN_FILE="$CKAN_DIR/sysadmin.token"
CKAN_PASSWORD_FILE="$CKAN_DIR/sysadmin.password"
CKAN_PORT="$KHO_SVC_CKAN_PORT"
CKAN_URL="http://127.0.0.1:$CKAN_PORT"
SOLR_CORE_URL="http://127.0.0.1:$KHO_SVC_SOLR_PORT/solr/ckan"
CKAN_ADMIN=kho_admin
CKAN_ADMIN_EMAIL=kho_admin@localhost.localdomain
CKAN_START_TIMEOUT=${KHO_CKAN_START_TIMEOUT:-120}

# Plugins of a stock portal. (datastore/datapusher are left out: they need a second
# database and a worker.)
CKAN_PLUGINS="activity image_view text_view"

# ---------------------------------------------------------------------------------------
# EXTRA CKAN PLUGINS — add extensions here.
#   CKAN_EXTRA_PIP:      pip requirement specs installed into the venv after CKAN (pin them)
#   CKAN_EXTRA_PLUGINS:  plugin names appended to ckan.plugins
#   CKAN_EXTRA_OPTIONS:  extra "key=value" options set in ckan.ini on every start
# Changing CKAN_EXTRA_PIP re-runs the pip step of `install` (the stamp records it).
# ckanext-dcat: CKAN serves DCAT-AP 3 for every dataset (/dataset/<name>.ttl|.jsonld|.rdf,
# /catalog.ttl) from the core fields and the extras of opendata/portal/ckan_dcat.py.
#   dcat             the RDF endpoints and the profiles (the only plugin DCAT-AP needs)
#   structured_data  schema.org JSON-LD in each dataset page (search engines)
#   (dcat_json_interface, the legacy non-DCAT-AP /dcat.json, is left out)
CKAN_EXTRA_PIP=("ckanext-dcat==2.4.4")
CKAN_EXTRA_PLUGINS="dcat structured_data"
CKAN_EXTRA_OPTIONS=("ckanext.dcat.rdf.profiles=euro_dcat_ap_3")
# ---------------------------------------------------------------------------------------

ckan_cli() { "$CKAN_VENV/bin/ckan" -c "$CKAN_INI" "$@"; }

# A Python that CKAN 2.12 supports (3.10-3.12) and that can create venvs.
pick_python() {
  local cand
  for cand in ${KHO_CKAN_PYTHON:-} python3.11 python3.12 python3.10 python3 /usr/bin/python3; do
    command -v "$cand" >/dev/null 2>&1 || continue
    if "$cand" -c 'import sys, venv, ensurepip; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' \
      >/dev/null 2>&1; then
      command -v "$cand"
      return 0
    fi
  done
  return 1
}

install_stamp_text() {
  printf 'ckan[requirements]==%s\n' "$CKAN_VERSION"
  ((${#CKAN_EXTRA_PIP[@]} == 0)) || printf '%s\n' "${CKAN_EXTRA_PIP[@]}"
}

install() {
  if [[ -x $CKAN_VENV/bin/ckan && -s $CKAN_STAMP && $(cat "$CKAN_STAMP") == "$(install_stamp_text)" ]]; then
    svc_log "CKAN $CKAN_VERSION already installed in $CKAN_VENV"
    return 0
  fi
  # psycopg2 is compiled from source; python-magic loads libmagic at import time
  svc_apt_install libpq-dev build-essential libmagic1
  local py
  if [[ ! -x $CKAN_VENV/bin/python ]]; then
    py=$(pick_python) || {
      svc_apt_install python3-venv
      py=$(pick_python)
    } || svc_die "no Python 3.10-3.12 with venv found (set KHO_CKAN_PYTHON)"
    svc_log "creating venv $CKAN_VENV with $py ($("$py" -V 2>&1))"
    "$py" -m venv "$CKAN_VENV"
  fi
  local t0=$SECONDS
  svc_log "pip install ckan[requirements]==$CKAN_VERSION (log: $CKAN_DIR/pip.log)"
  {
    "$CKAN_VENV/bin/pip" install -q --upgrade pip setuptools wheel &&
      "$CKAN_VENV/bin/pip" install "ckan[requirements]==$CKAN_VERSION" &&
      if ((${#CKAN_EXTRA_PIP[@]})); then "$CKAN_VENV/bin/pip" install "${CKAN_EXTRA_PIP[@]}"; fi
  } >"$CKAN_DIR/pip.log" 2>&1 || { tail -n 40 "$CKAN_DIR/pip.log" >&2; svc_die "pip install failed"; }
  "$CKAN_VENV/bin/python" -c 'import ckan, ckan.cli.cli, psycopg2, magic, redis' 2>>"$CKAN_DIR/pip.log" \
    || { tail -n 20 "$CKAN_DIR/pip.log" >&2; svc_die "CKAN does not import after pip install"; }
  install_stamp_text >"$CKAN_STAMP"
  svc_log "installed in $((SECONDS - t0)) s; Solr schema: $(ls "$CKAN_VENV"/lib/python3*/site-packages/ckan/config/solr/schema.xml)"
}

config_plugins() { printf '%s' "$CKAN_PLUGINS${CKAN_EXTRA_PLUGINS:+ $CKAN_EXTRA_PLUGINS}"; }

configure() {
  mkdir -p "$CKAN_STORAGE"
  if [[ ! -s $CKAN_INI ]]; then
    svc_log "generating $CKAN_INI"
    "$CKAN_VENV/bin/ckan" generate config "$CKAN_INI" >/dev/null
  fi
  local opts=(
    "sqlalchemy.url=postgresql://ckan:ckan@127.0.0.1:$KHO_SVC_PG_PORT/ckan"
    "ckan.site_url=$CKAN_URL"
    "ckan.site_id=kho"
    "ckan.redis.url=redis://127.0.0.1:$KHO_SVC_REDIS_PORT/1"
    "solr_url=$SOLR_CORE_URL"
    "ckan.storage_path=$CKAN_STORAGE"
    "ckan.max_resource_size=512"
    "ckan.plugins=$(config_plugins)"
    "ckan.views.default_views=image_view text_view"
    "ckan.auth.create_user_via_web=false"
  )
  ((${#CKAN_EXTRA_OPTIONS[@]} == 0)) || opts+=("${CKAN_EXTRA_OPTIONS[@]}")
  # config-tool must come first on the command line: `ckan -c X config-tool` loads the app (and the DB)
  "$CKAN_VENV/bin/ckan" config-tool "$CKAN_INI" "${opts[@]}" >/dev/null
}

pg_ckan() {
  PGPASSWORD=ckan PGCONNECT_TIMEOUT=5 psql -X -q -tA -h 127.0.0.1 -p "$KHO_SVC_PG_PORT" -U ckan -d ckan "$@"
}

# `ckan db init` is `ckan db upgrade`: core and plugin migrations, idempotent but ~3 s (it
# loads the whole app), so it runs only when the schema is missing or the installed
# packages or plugins changed since the last run.
init_db() {
  local want have=""
  want="$(install_stamp_text)plugins: $(config_plugins)"
  [[ -s $CKAN_DIR/db.stamp ]] && have=$(cat "$CKAN_DIR/db.stamp")
  if [[ -z $(pg_ckan -c "SELECT to_regclass('public.package')") || $have != "$want" ]]; then
    svc_log "ckan db init"
    ckan_cli db init >"$CKAN_DIR/db-init.log" 2>&1 || { tail -n 40 "$CKAN_DIR/db-init.log" >&2; svc_die "ckan db init failed"; }
    printf '%s' "$want" >"$CKAN_DIR/db.stamp"
  fi
}

ensure_sysadmin() {
  if [[ ! -s $CKAN_PASSWORD_FILE ]]; then
    (umask 077; "$CKAN_VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$CKAN_PASSWORD_FILE")
  fi
  local pw
  pw=$(cat "$CKAN_PASSWORD_FILE")
  if [[ -z $(pg_ckan -c "SELECT 1 FROM \"user\" WHERE name = '$CKAN_ADMIN' AND state = 'active'") ]]; then
    svc_log "creating user $CKAN_ADMIN"
    ckan_cli user add "$CKAN_ADMIN" "email=$CKAN_ADMIN_EMAIL" "password=$pw" >"$CKAN_DIR/user-add.log" 2>&1 \
      || { tail -n 20 "$CKAN_DIR/user-add.log" >&2; svc_die "ckan user add failed"; }
  fi
  if [[ -z $(pg_ckan -c "SELECT 1 FROM \"user\" WHERE name = '$CKAN_ADMIN' AND sysadmin") ]]; then
    ckan_cli sysadmin add "$CKAN_ADMIN" >/dev/null 2>&1 || svc_die "ckan sysadmin add failed"
  fi
}

# 0 if the token in the file authenticates as the sysadmin (server must be running)
token_valid() {
  [[ -s $CKAN_TOKEN_FILE ]] || return 1
  curl -fsS -H "Authorization: $(cat "$CKAN_TOKEN_FILE")" \
    "$CKAN_URL/api/3/action/api_token_list?user_id=$CKAN_ADMIN" 2>/dev/null | grep -q '"success": *true'
}

ensure_token() {
  token_valid && return 0
  svc_log "creating API token for $CKAN_ADMIN -> $CKAN_TOKEN_FILE"
  local out
  out=$(ckan_cli user token add "$CKAN_ADMIN" kho-tests 2>&1) || { echo "$out" >&2; svc_die "ckan user token add failed"; }
  (umask 077; printf '%s\n' "$out" | tail -n 1 | tr -d '[:space:]' >"$CKAN_TOKEN_FILE")
  token_valid || svc_die "the new API token is not accepted by $CKAN_URL"
}

ckan_running() {
  svc_pid_alive "$CKAN_PID" && curl -fsS -o /dev/null "$CKAN_URL/api/3/action/status_show" 2>/dev/null
}

start() {
  install
  if ckan_running; then
    svc_log "already running on $CKAN_URL"
    ensure_token
    return 0
  fi
  bash "$HERE/postgres.sh" start
  bash "$HERE/redis.sh" start
  if ! curl -fsS -o /dev/null "$SOLR_CORE_URL/admin/ping" 2>/dev/null; then
    if [[ ${KHO_CKAN_ALLOW_NO_SOLR:-} == 1 ]]; then
      svc_log "WARNING: Solr is down ($SOLR_CORE_URL); starting anyway, dataset writes will fail"
    else
      svc_die "Solr core 'ckan' does not answer at $SOLR_CORE_URL/admin/ping: run 'bash scripts/services/solr.sh start' first"
    fi
  fi
  svc_stop_pid "$CKAN_PID" 10 # a stale or unhealthy one
  if (exec 3<>"/dev/tcp/127.0.0.1/$CKAN_PORT") 2>/dev/null; then
    svc_die "port $CKAN_PORT is taken by another process (set KHO_SVC_CKAN_PORT)"
  fi
  configure
  init_db
  ensure_sysadmin
  svc_log "starting on $CKAN_URL (log: $CKAN_LOG)"
  local t0=$SECONDS
  # setsid: its own session, so it outlives the calling shell; the PID written is the server's
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$CKAN_PID" \
    "$CKAN_VENV/bin/ckan" -c "$CKAN_INI" run --host 127.0.0.1 --port "$CKAN_PORT" --disable-reloader --threaded \
    </dev/null >>"$CKAN_LOG" 2>&1 &
  local deadline=$((SECONDS + CKAN_START_TIMEOUT))
  until curl -fsS -o /dev/null "$CKAN_URL/api/3/action/status_show" 2>/dev/null; do
    if ((SECONDS >= deadline)) || ! { [[ ! -s $CKAN_PID ]] || svc_pid_alive "$CKAN_PID"; }; then
      tail -n 40 "$CKAN_LOG" >&2 || true
      svc_stop_pid "$CKAN_PID" 5
      svc_die "CKAN did not answer status_show within ${CKAN_START_TIMEOUT} s"
    fi
    sleep 0.5
  done
  svc_log "answered after $((SECONDS - t0)) s"
  ensure_token
  svc_log "ready: $CKAN_URL (sysadmin $CKAN_ADMIN, token in $CKAN_TOKEN_FILE)"
}

stop() {
  if svc_pid_alive "$CKAN_PID"; then
    svc_log "stopping"
    svc_stop_pid "$CKAN_PID" 20
  else
    rm -f "$CKAN_PID"
    svc_log "not running"
  fi
}

status() {
  if ckan_running; then
    svc_log "running on $CKAN_URL (pid $(cat "$CKAN_PID"))"
  else
    svc_log "not running"
    return 1
  fi
}

svc_main "${1:-status}" install start stop status
