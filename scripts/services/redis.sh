#!/usr/bin/env bash
# Redis for development and CI: Debian's redis-server on 127.0.0.1:$KHO_SVC_REDIS_PORT,
# no persistence, pidfile and log under $KHO_SERVICES_DIR/redis/.
#   bash scripts/services/redis.sh start|stop|status
SVC_NAME=redis
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

REDIS_DIR="$(svc_dir redis)"
REDIS_PORT="$KHO_SVC_REDIS_PORT"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

redis_ping() {
  [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

start() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    svc_apt_install redis-server redis-tools
  fi
  if svc_pid_alive "$REDIS_PID" && redis_ping; then
    svc_log "already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  if svc_port_taken "$REDIS_PORT"; then
    svc_die "port $REDIS_PORT is taken by another process (set KHO_SVC_REDIS_PORT)"
  fi
  rm -f "$REDIS_PID"
  svc_log "starting on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOG)"
  # No config file: everything on the command line. save "" and appendonly no: no persistence.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
    --daemonize yes --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$REDIS_LOG" \
    --save "" --appendonly no \
    || svc_die "redis-server failed to start"
  svc_wait_ready redis_ping 30 "" "no PONG after 30 s" "$REDIS_LOG"
  # --daemonize writes the pidfile a moment after forking
  svc_wait_pidfile "$REDIS_PID" 30
  svc_log "ready: redis://127.0.0.1:$REDIS_PORT/0"
}

stop() {
  if svc_pid_alive "$REDIS_PID"; then
    svc_log "stopping"
    svc_stop_pid "$REDIS_PID" 20
  else
    rm -f "$REDIS_PID"
    svc_log "not running"
  fi
}

status() {
  if svc_pid_alive "$REDIS_PID" && redis_ping; then
    svc_log "running on 127.0.0.1:$REDIS_PORT (pid $(cat "$REDIS_PID"))"
  else
    svc_log "not running"
    return 1
  fi
}

svc_main "${1:-status}" start stop status
