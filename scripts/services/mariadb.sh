#!/usr/bin/env bash
# MariaDB for development and CI: Debian's mariadb-server (10.11), a private data directory
# under $KHO_SERVICES_DIR/mariadb/, listening on 127.0.0.1:$KHO_SVC_MARIADB_PORT only.
#   bash scripts/services/mariadb.sh start|stop|status
# Ensured on every start: database dept (utf8mb4, utf8mb4_unicode_ci) and user kho, password
# kho, from 127.0.0.1 and localhost, with all privileges on dept and on every database named
# dept_% (tests create and drop throwaway databases dept_<something>):
#   mysql+pymysql://kho:kho@127.0.0.1:13306/dept
# As root:  mariadb --no-defaults -S "$KHO_SERVICES_DIR/mariadb/run/mysqld.sock" -u root
# (root@localhost logs in through the socket as the OS user root: unix_socket authentication).
#
# Who runs mariadbd: mariadbd refuses to run as root unless told --user=root. We start it as
# root with --user=mysql, the OS user that the Debian package creates: it drops to mysql at
# once, as Debian's own service does, so the data directory, socket, PID file and log belong to
# mysql (and every directory above them must be searchable by mysql: svc_make_traversable).
# It reads only the my.cnf written here (--defaults-file), never /etc/mysql/.
SVC_NAME=mariadb
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

DB_DIR="$(svc_dir mariadb)"
DB_DATA="$DB_DIR/data"
DB_CNF="$DB_DIR/my.cnf"
DB_LOG="$DB_DIR/mariadb.log"
DB_PORT="$KHO_SVC_MARIADB_PORT"
DB_USER=mysql
# Socket and PID file dir: inside the services dir unless a socket there would pass sun_path.
DB_RUN="$(svc_socket_dir "$DB_DIR/run" "/tmp/kho-mariadb-$DB_PORT")"
DB_SOCK="$DB_RUN/mysqld.sock"
DB_PID="$DB_RUN/mariadbd.pid"

# the test database, its user and that user's password, ensured on every start
APP_DB=dept
APP_USER=kho
APP_PASSWORD=kho

install_mariadb() {
  if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null \
    || ! command -v mariadb-admin >/dev/null || ! command -v mariadb >/dev/null; then
    svc_apt_install mariadb-server mariadb-client
    # On a systemd host the package starts its own server on 3306 with /var/lib/mysql; ours is
    # separate, so that one is only in the way.
    svc_disable_system_unit mariadb
  fi
  id "$DB_USER" >/dev/null 2>&1 || svc_die "the '$DB_USER' OS user is missing (mariadb-server creates it)"
}

# db_admin <<SQL -> runs SQL as root@localhost through the socket (unix_socket authentication)
db_admin() { mariadb --no-defaults -S "$DB_SOCK" -u root --batch; }

db_ping() { mariadb-admin --no-defaults -S "$DB_SOCK" -u root --connect-timeout=2 ping >/dev/null 2>&1; }

# db_alive -> 0 if the PID file names a live mariadbd (guards against PID reuse)
db_alive() {
  svc_pid_alive "$DB_PID" || return 1
  local pid
  pid=$(cat "$DB_PID")
  [[ ! -r /proc/$pid/cmdline ]] || grep -qa 'mariadbd\|mysqld' "/proc/$pid/cmdline"
}

write_config() {
  mkdir -p "$DB_DATA" "$DB_RUN"
  chown "$DB_USER:" "$DB_DATA" "$DB_RUN"
  chmod 700 "$DB_DATA"
  chmod 755 "$DB_RUN"
  touch "$DB_LOG" && chown "$DB_USER:" "$DB_LOG"
  svc_make_traversable "$DB_USER" "$DB_DATA"
  # rewritten on every start so that a changed port or socket dir takes effect
  cat >"$DB_CNF" <<EOF
# written by scripts/services/mariadb.sh on every start
[mariadbd]
user = $DB_USER
datadir = $DB_DATA
port = $DB_PORT
bind-address = 127.0.0.1
socket = $DB_SOCK
pid-file = $DB_PID
log-error = $DB_LOG
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
max_connections = 200
# fast and test-oriented: a crash may lose the last second of commits
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
innodb_buffer_pool_size = 128M
innodb_log_file_size = 48M
skip-log-bin
performance_schema = OFF

[client]
default-character-set = utf8mb4
EOF
}

init_datadir() {
  if [[ ! -d $DB_DATA/mysql ]]; then
    svc_log "mariadb-install-db $DB_DATA"
    mariadb-install-db --defaults-file="$DB_CNF" --user="$DB_USER" --datadir="$DB_DATA" \
      --auth-root-authentication-method=socket --skip-test-db >"$DB_DIR/install-db.log" 2>&1 \
      || { cat "$DB_DIR/install-db.log" >&2; rm -rf "$DB_DATA"; svc_die "mariadb-install-db failed"; }
  fi
}

ensure_accounts() {
  local host grants=""
  for host in 127.0.0.1 localhost; do
    grants+="CREATE USER IF NOT EXISTS '$APP_USER'@'$host' IDENTIFIED BY '$APP_PASSWORD';
ALTER USER '$APP_USER'@'$host' IDENTIFIED BY '$APP_PASSWORD';
GRANT ALL PRIVILEGES ON \`$APP_DB\`.* TO '$APP_USER'@'$host';
GRANT ALL PRIVILEGES ON \`${APP_DB}\\_%\`.* TO '$APP_USER'@'$host';
"
  done
  # mariadb-install-db may create anonymous accounts (they would match before kho@localhost)
  # and a proxy grant for the host name (skip-name-resolve warns about it on every start)
  db_admin <<EOF || svc_die "could not ensure database $APP_DB and user $APP_USER"
CREATE DATABASE IF NOT EXISTS \`$APP_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
DELETE FROM mysql.global_priv WHERE User = '';
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');
$grants
FLUSH PRIVILEGES;
EOF
}

start() {
  install_mariadb
  if db_alive && db_ping; then
    svc_log "already running on 127.0.0.1:$DB_PORT"
  else
    if svc_port_taken "$DB_PORT"; then
      svc_die "port $DB_PORT is taken by another process (set KHO_SVC_MARIADB_PORT)"
    fi
    write_config
    init_datadir
    rm -f "$DB_PID" "$DB_SOCK"
    svc_log "starting on 127.0.0.1:$DB_PORT (log: $DB_LOG)"
    # --defaults-file must come first; setsid + nohup: the server outlives this shell
    setsid nohup mariadbd --defaults-file="$DB_CNF" >>"$DB_LOG" 2>&1 </dev/null &
    svc_wait_ready db_ping 60 $! "mariadbd did not answer a ping" "$DB_LOG"
    svc_wait_pidfile "$DB_PID" 60
  fi
  ensure_accounts
  # what the tests do: log in as kho over TCP
  MYSQL_PWD=$APP_PASSWORD mariadb --no-defaults -h 127.0.0.1 -P "$DB_PORT" -u "$APP_USER" \
    -e 'SELECT 1' "$APP_DB" >/dev/null || svc_die "$APP_USER cannot log in on 127.0.0.1:$DB_PORT"
  svc_log "ready: mysql+pymysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$DB_PORT/$APP_DB"
}

stop() {
  if ! db_alive; then
    rm -f "$DB_PID"
    svc_log "not running"
    return 0
  fi
  local pid deadline=$((SECONDS + 60))
  pid=$(cat "$DB_PID")
  svc_log "stopping"
  if mariadb-admin --no-defaults -S "$DB_SOCK" -u root shutdown >/dev/null 2>&1; then
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    svc_log "shutdown through the socket failed; stopping by PID"
    svc_stop_pid "$DB_PID" 30
  fi
  rm -f "$DB_PID"
}

status() {
  if db_alive && db_ping; then
    svc_log "running on 127.0.0.1:$DB_PORT (pid $(cat "$DB_PID"))"
  else
    svc_log "not running"
    return 1
  fi
}

svc_main "${1:-status}" start stop status
