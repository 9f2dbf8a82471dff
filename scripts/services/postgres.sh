#!/usr/bin/env bash
# PostgreSQL for development and CI: Debian's binaries, a private cluster under
# $KHO_SERVICES_DIR/postgres/, listening on 127.0.0.1:$KHO_SVC_PG_PORT only.
#   bash scripts/services/postgres.sh start|stop|status
# Roles and databases ensured on every start (password = name):
#   kho  owns database kho   (the hub's tests)
#   ckan owns database ckan  (the CKAN service)
# As root:  psql -h "$KHO_SERVICES_DIR/postgres/run" -p 15432 -U postgres   (local socket: trust)
SVC_NAME=postgres
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

PG_DIR="$(svc_dir postgres)"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_PORT="$KHO_SVC_PG_PORT"
PG_USER=postgres
# Unix socket dir: inside the services dir unless a socket there would pass sun_path.
PG_SOCK="$(svc_socket_dir "$PG_DIR/run" "/tmp/kho-pg-$PG_PORT")"

# database:owner:password, ensured on every start
PG_ACCOUNTS=(kho:kho:kho ckan:ckan:ckan)

# shellcheck disable=SC2012 # fixed Debian paths
pg_bindir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -z $initdb ]] || dirname "$initdb"
}

as_pg() { runuser -u "$PG_USER" -- "$@"; }

# every directory above PATH must be searchable by the postgres user
make_traversable() {
  local d
  d=$(dirname "$1")
  while [[ $d != / ]]; do
    if ! as_pg test -x "$d"; then
      svc_log "chmod o+x $d (postgres must reach its data directory)"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

install_pg() {
  if [[ -z $(pg_bindir) ]]; then
    svc_apt_install postgresql
  fi
  BIN=$(pg_bindir)
  [[ -n $BIN ]] || svc_die "no PostgreSQL binaries under /usr/lib/postgresql/*/bin"
  id "$PG_USER" >/dev/null 2>&1 || svc_die "the '$PG_USER' OS user is missing"
}

init_cluster() {
  mkdir -p "$PG_DATA" "$PG_SOCK"
  chown "$PG_USER:" "$PG_DATA" "$PG_SOCK"
  chmod 700 "$PG_DATA"
  chmod 755 "$PG_SOCK"
  touch "$PG_LOG" && chown "$PG_USER:" "$PG_LOG"
  make_traversable "$PG_DATA"
  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    svc_log "initdb $PG_DATA"
    as_pg "$BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
      || { cat "$PG_DIR/initdb.log" >&2; svc_die "initdb failed"; }
    echo "include_if_exists = 'kho.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  # rewritten on every start so that a changed port or socket dir takes effect
  cat >"$PG_DATA/kho.conf" <<EOF
# written by scripts/services/postgres.sh on every start
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  chown "$PG_USER:" "$PG_DATA/kho.conf"
}

pg_running() {
  [[ -n ${BIN:-} ]] || BIN=$(pg_bindir)
  [[ -n $BIN && -s $PG_DATA/postmaster.pid ]] || return 1
  as_pg "$BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

psql_admin() {
  as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"
}

ensure_accounts() {
  local acct db owner pw
  for acct in "${PG_ACCOUNTS[@]}"; do
    IFS=: read -r db owner pw <<<"$acct"
    if [[ -z $(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$owner'") ]]; then
      svc_log "creating role $owner"
      psql_admin -c "CREATE ROLE \"$owner\" LOGIN PASSWORD '$pw'"
    else
      psql_admin -c "ALTER ROLE \"$owner\" LOGIN PASSWORD '$pw'"
    fi
    if [[ -z $(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      svc_log "creating database $db owned by $owner"
      psql_admin -c "CREATE DATABASE \"$db\" OWNER \"$owner\" ENCODING 'UTF8' TEMPLATE template0"
    fi
  done
}

start() {
  install_pg
  if pg_running; then
    svc_log "already running on 127.0.0.1:$PG_PORT"
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
      svc_die "port $PG_PORT is taken by another process (set KHO_SVC_PG_PORT)"
    fi
    init_cluster
    svc_log "starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    if ! as_pg "$BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 >/dev/null; then
      tail -n 30 "$PG_LOG" >&2 || true
      svc_die "pg_ctl start failed"
    fi
  fi
  local deadline=$((SECONDS + 60))
  until as_pg "$BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT"; do
    ((SECONDS < deadline)) || { tail -n 30 "$PG_LOG" >&2; svc_die "not ready after 60 s"; }
    sleep 0.5
  done
  ensure_accounts
  svc_log "ready: postgresql://kho:kho@127.0.0.1:$PG_PORT/kho"
}

stop() {
  BIN=$(pg_bindir)
  if pg_running; then
    svc_log "stopping"
    as_pg "$BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null \
      || { svc_log "fast stop failed; trying immediate"; as_pg "$BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 >/dev/null; }
  else
    svc_log "not running"
  fi
}

status() {
  BIN=$(pg_bindir)
  if pg_running && as_pg "$BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT"; then
    svc_log "running on 127.0.0.1:$PG_PORT (pid $(head -n 1 "$PG_DATA/postmaster.pid"))"
  else
    svc_log "not running"
    return 1
  fi
}

svc_main "${1:-status}" start stop status
