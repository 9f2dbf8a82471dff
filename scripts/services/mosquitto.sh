#!/usr/bin/env bash
# Mosquitto (MQTT broker) for development and CI: Debian's mosquitto on
# 127.0.0.1:$KHO_SVC_MQTT_PORT, with persistence (QoS 1 persistent sessions and their queued
# messages survive a restart); config, data/, run/ (PID file), the log and mosquitto.out (what
# it prints before its log is open) under $KHO_SERVICES_DIR/mosquitto/.
#   bash scripts/services/mosquitto.sh start|stop|status
#   mqtt://127.0.0.1:11883   (anonymous: development only)
# mosquitto-clients (mosquitto_pub, mosquitto_sub) serve the health check and humans.
# Started as root, mosquitto drops to the OS user mosquitto (created by the package) before it
# writes its PID file, so data/, run/ and the log belong to that user.
SVC_NAME=mosquitto
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

MQ_DIR="$(svc_dir mosquitto)"
MQ_DATA="$MQ_DIR/data"
MQ_CONF="$MQ_DIR/mosquitto.conf"
MQ_RUN="$MQ_DIR/run"
MQ_PID="$MQ_RUN/mosquitto.pid"
MQ_LOG="$MQ_DIR/mosquitto.log"
MQ_OUT="$MQ_DIR/mosquitto.out"
MQ_PORT="$KHO_SVC_MQTT_PORT"
MQ_USER=mosquitto

install_mosquitto() {
  if [[ ! -x $(mq_bin) ]] || ! command -v mosquitto_pub >/dev/null; then
    svc_apt_install mosquitto mosquitto-clients
    # On a systemd host the package starts its own broker on 1883 (/etc/mosquitto); ours is
    # separate, so that one is only in the way.
    svc_disable_system_unit mosquitto
  fi
  id "$MQ_USER" >/dev/null 2>&1 || svc_die "the '$MQ_USER' OS user is missing (the mosquitto package creates it)"
}

mq_bin() { command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto; }

mq_ping() {
  command -v mosquitto_pub >/dev/null || return 1
  timeout 5 mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -i "kho-health-$$" -t kho/health -m ok \
    >/dev/null 2>&1
}

# mq_alive -> 0 if the PID file names a live mosquitto (guards against PID reuse)
mq_alive() {
  svc_pid_alive "$MQ_PID" || return 1
  local pid
  pid=$(cat "$MQ_PID")
  [[ ! -r /proc/$pid/cmdline ]] || grep -qa mosquitto "/proc/$pid/cmdline"
}

write_config() {
  mkdir -p "$MQ_DATA" "$MQ_RUN"
  chown "$MQ_USER:" "$MQ_DATA" "$MQ_RUN"
  chmod 700 "$MQ_DATA"
  chmod 755 "$MQ_RUN"
  touch "$MQ_LOG" && chown "$MQ_USER:" "$MQ_LOG"
  svc_make_traversable "$MQ_USER" "$MQ_DATA"
  # rewritten on every start so that a changed port takes effect
  cat >"$MQ_CONF" <<EOF
# written by scripts/services/mosquitto.sh on every start
user $MQ_USER
pid_file $MQ_PID
listener $MQ_PORT 127.0.0.1
# Anyone who reaches 127.0.0.1 may connect, publish and subscribe: for development and tests
# only, never for a broker that other hosts can reach.
allow_anonymous true
persistence true
persistence_location $MQ_DATA/
autosave_interval 10
# a connector stopped for maintenance must not lose readings: Mosquitto drops messages queued
# for an offline persistent client beyond 1000 by default; abandoned sessions expire after 7 days
max_queued_messages 100000
persistent_client_expiration 7d
log_dest file $MQ_LOG
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S
EOF
}

start() {
  install_mosquitto
  if mq_alive && mq_ping; then
    svc_log "already running on 127.0.0.1:$MQ_PORT"
    return 0
  fi
  if svc_port_taken "$MQ_PORT"; then
    svc_die "port $MQ_PORT is taken by another process (set KHO_SVC_MQTT_PORT)"
  fi
  write_config
  rm -f "$MQ_PID"
  svc_log "starting on 127.0.0.1:$MQ_PORT (log: $MQ_LOG)"
  # in the background rather than -d: a daemon's early errors (before the log is open) are lost
  setsid nohup "$(mq_bin)" -c "$MQ_CONF" >"$MQ_OUT" 2>&1 </dev/null &
  svc_wait_ready mq_ping 30 $! "mosquitto accepted no publish" "$MQ_OUT" "$MQ_LOG"
  svc_wait_pidfile "$MQ_PID" 30
  svc_log "ready: mqtt://127.0.0.1:$MQ_PORT"
}

stop() {
  if mq_alive; then
    svc_log "stopping"
    # TERM: mosquitto writes its persistence file (sessions, queued QoS 1/2 messages) and exits
    svc_stop_pid "$MQ_PID" 20
  else
    rm -f "$MQ_PID"
    svc_log "not running"
  fi
}

status() {
  if mq_alive && mq_ping; then
    svc_log "running on 127.0.0.1:$MQ_PORT (pid $(cat "$MQ_PID"))"
  else
    svc_log "not running"
    return 1
  fi
}

svc_main "${1:-status}" start stop status
