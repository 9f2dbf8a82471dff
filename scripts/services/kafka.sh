#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, broker+controller) from Maven Central jars, for dev and CI.
#   scripts/services/kafka.sh start|stop|status|reset
# Jars come from services/kafka/pom.xml (resolved by mvn when the pom changes); data, logs,
# config and PID file live under $KHO_SERVICES_DIR/kafka/. Needs Java 17+ and Maven.
# Security (services/kafka/sasl.sh): clients log in with SASL/SCRAM on 127.0.0.1:$port and the
# StandardAuthorizer refuses what no ACL allows. The hub's account is kho, password kho (a
# development password, like PostgreSQL's kho/kho): KHO_BUS_URL=kafka://kho:kho@127.0.0.1:19092.
# The same logins over TLS (SASL_SSL) on 127.0.0.1:$tls_port, with a certificate for localhost
# and 127.0.0.1 from a test CA that the first start makes (scripts/test-ca.sh, never committed;
# made again when it expires within a week) in $KHO_SERVICES_DIR/kafka/tls/:
#   KHO_BUS_URL=kafka+ssl://kho:kho@127.0.0.1:19094?cafile=.services/kafka/tls/ca.pem
# server.properties is written on every start, so a broker on data formatted before this
# listener existed gets it too.
# A data directory formatted without the SCRAM credentials is formatted again (dev data only).
# `stop` returns once the JVM has exited (SIGTERM, then SIGKILL after KHO_SVC_KAFKA_STOP_TIMEOUT
# seconds), so `stop` then `start` on the same data works; `start` keeps every login (the SCRAM
# anchor user, services/kafka/sasl.sh).
# Env: KHO_SERVICES_DIR (lib.sh; this broker's state lives in its kafka/ folder),
#      KHO_SVC_KAFKA_PORT, KHO_SVC_KAFKA_CONTROLLER_PORT (lib.sh; 19092, 19093),
#      KHO_SVC_KAFKA_TLS_PORT (the SASL_SSL listener; default KHO_SVC_KAFKA_PORT + 2, 19094),
#      KHO_SVC_KAFKA_LIB (the jars folder, default $KHO_SERVICES_DIR/kafka/lib),
#      KHO_SVC_KAFKA_HEAP (broker JVM heap flags, default "-Xms256m -Xmx1g"),
#      KHO_SVC_KAFKA_STOP_TIMEOUT (seconds of clean shutdown before SIGKILL, default 60).
# A second broker beside the usual one, e.g. for a test: KHO_SERVICES_DIR=/tmp/k2
# KHO_SVC_KAFKA_PORT=29092 KHO_SVC_KAFKA_CONTROLLER_PORT=29093 scripts/services/kafka.sh start
# (its TLS listener on 29094).
set -euo pipefail
# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SVC_NAME=kafka
# shellcheck source=services/kafka/sasl.sh
source "$KHO_ROOT/services/kafka/sasl.sh"

src="$KHO_ROOT/services/kafka"              # pom.xml, log4j2.xml (in git)
dir="$KHO_SERVICES_DIR/kafka"               # runtime state (not in git)
lib="${KHO_SVC_KAFKA_LIB:-$dir/lib}"
data="$dir/data"
logs="$dir/logs"
props="$dir/server.properties"
admin_props="$dir/admin.properties"
pidfile="$dir/kafka.pid"
tls="$dir/tls"                              # the test CA, the broker's certificate, its keystore
keystore="$tls/keystore.pem"
port=$KHO_SVC_KAFKA_PORT
cport=$KHO_SVC_KAFKA_CONTROLLER_PORT
tls_port=${KHO_SVC_KAFKA_TLS_PORT:-$((port + 2))}
bootstrap="127.0.0.1:$port"
hub_password=kho     # the development password of User:kho, the hub's service account
broker_password=""   # User:broker's, kept in the data directory's SASL marker
read -r -a heap <<<"${KHO_SVC_KAFKA_HEAP:--Xms256m -Xmx1g}"
ready_timeout=90
stop_timeout=${KHO_SVC_KAFKA_STOP_TIMEOUT:-60}

java_bin() { printf '%s' "${JAVA_HOME:+$JAVA_HOME/bin/}java"; }

# kafka_alive -> 0 if the PID file names a live Kafka broker (guards against PID reuse)
kafka_alive() {
  svc_pid_alive "$pidfile" || return 1
  local pid
  pid=$(cat "$pidfile")
  [[ ! -r /proc/$pid/cmdline ]] || grep -qa 'kafka\.Kafka' "/proc/$pid/cmdline"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_running PID -> 0 while PID has not exited (a zombie, exited but not yet reaped, has)
pid_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the fields after "(comm) ", the first of which is the state
  [[ ${stat%% *} != [ZX] ]]
}

# wait_exit PID SECONDS -> 0 once PID has exited, 1 if it still runs after SECONDS
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while pid_running "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# stop_broker -> SIGTERM (a controlled shutdown), SIGKILL after $stop_timeout s; returns once the
#   JVM has exited and both ports are closed, and removes the PID file
stop_broker() {
  local pid deadline
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_exit "$pid" "$stop_timeout"; then
    svc_log "pid $pid still running after ${stop_timeout}s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 10 || svc_die "pid $pid still running 10s after SIGKILL"
  fi
  rm -f "$pidfile"
  deadline=$((SECONDS + 10))
  while port_open "$port" || port_open "$cport" || port_open "$tls_port"; do
    ((SECONDS < deadline)) ||
      svc_die "port $port, $cport or $tls_port still answers after pid $pid exited"
    sleep 0.2
  done
}

# run_tool MAINCLASS ARGS... -> runs a Kafka command-line class with a small, quick-starting JVM
run_tool() {
  "$(java_bin)" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$src/log4j2.xml" -Dkafka.logs.dir="$logs" \
    -Dkho.log.name=tools -Dkho.log.level=WARN \
    -cp "$lib/*" "$@"
}

# show_log_tail OFFSET -> prints the JVM output and the server.log lines written after OFFSET
show_log_tail() {
  local off=$1 size
  if [[ -s $logs/kafka.out ]]; then
    svc_log "last lines of $logs/kafka.out:"
    tail -n 25 "$logs/kafka.out" >&2
  fi
  size=$(stat -c %s "$logs/server.log" 2>/dev/null || echo 0)
  ((size >= off)) || off=0 # the log rolled over meanwhile
  ((size > off)) || return 0
  svc_log "last lines of $logs/server.log:"
  tail -c "+$((off + 1))" "$logs/server.log" | tail -n 25 >&2
}

need_tools() {
  local v
  if ! command -v "$(java_bin)" >/dev/null; then
    ((EUID == 0)) || svc_die "java not found: install a JDK 17+ (Debian: openjdk-17-jre-headless)"
    svc_apt_install openjdk-17-jre-headless
  fi
  v=$("$(java_bin)" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  v=${v:-0}
  ((${v%%.*} >= 17)) || svc_die "Kafka 4 needs Java 17+, found Java $v ($(java_bin))"
  if ! command -v mvn >/dev/null; then
    ((EUID == 0)) || svc_die "mvn not found: install Maven (Debian: maven)"
    svc_apt_install maven
  fi
  if ! command -v openssl >/dev/null; then # scripts/test-ca.sh makes the TLS listener's CA
    ((EUID == 0)) || svc_die "openssl not found: install it (Debian: openssl)"
    svc_apt_install openssl
  fi
}

# ensure_jars -> (re)resolves $lib with Maven when missing or when pom.xml changed
ensure_jars() {
  local want have=""
  want=$(sha256sum "$src/pom.xml" | cut -d' ' -f1)
  [[ -s $lib/.pom.sha256 ]] && have=$(cat "$lib/.pom.sha256")
  [[ $want == "$have" ]] && return 0
  svc_log "resolving Kafka jars with Maven (services/kafka/pom.xml) ..."
  rm -rf "$lib.tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$src/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib.tmp" >"$logs/mvn.log" 2>&1; then
    tail -n 30 "$logs/mvn.log" >&2
    svc_die "Maven could not resolve the Kafka jars (full output: $logs/mvn.log)"
  fi
  printf '%s\n' "$want" >"$lib.tmp/.pom.sha256"
  rm -rf "$lib"
  mv "$lib.tmp" "$lib"
  svc_log "jars ready: $(find "$lib" -name '*.jar' | wc -l) in $lib"
}

# ensure_certificate -> makes the test CA and the broker's certificate in $tls (scripts/test-ca.sh)
#   when missing or expiring within a week, and the PEM keystore (key, then certificate) from them
ensure_certificate() {
  if [[ -s $tls/ca.pem && -s $tls/server.pem && -s $keystore ]] &&
    openssl x509 -checkend 604800 -noout -in "$tls/server.pem" >/dev/null 2>&1 &&
    openssl x509 -checkend 604800 -noout -in "$tls/ca.pem" >/dev/null 2>&1; then
    return 0
  fi
  svc_log "making a test CA and the broker's TLS certificate in $tls ..."
  rm -rf "$tls.tmp"
  KHO_TEST_CA_DAYS=365 bash "$KHO_ROOT/scripts/test-ca.sh" "$tls.tmp" >"$logs/tls.log" 2>&1 ||
    { cat "$logs/tls.log" >&2; svc_die "could not make the test CA (scripts/test-ca.sh)"; }
  (umask 077 && cat "$tls.tmp/server.key" "$tls.tmp/server.pem" >"$tls.tmp/keystore.pem")
  rm -rf "$tls"
  mv "$tls.tmp" "$tls"
}

write_config() {
  (
    umask 077 # server.properties holds the broker's and the controller's passwords
    {
      echo "# Generated by scripts/services/kafka.sh on every start; edit services/kafka/sasl.sh."
      kafka_server_properties 127.0.0.1 127.0.0.1 "$port" "$cport" "$data" "$broker_password" \
        "$tls_port" "$keystore"
    } >"$props"
    # Client settings for the readiness probe: log in as the hub, fail fast instead of 60 s.
    {
      kafka_client_properties "$KAFKA_HUB_USER" "$hub_password"
      echo "request.timeout.ms=3000"
      echo "default.api.timeout.ms=5000"
    } >"$admin_props"
  )
}

# choose_broker_password -> the marker's password when $data was formatted with SASL, else a new one
choose_broker_password() {
  if kafka_sasl_formatted "$data"; then
    broker_password=$(kafka_broker_password "$data")
  else
    broker_password=$(kafka_random_password)
  fi
}

# format_storage -> formats $data once, adding the SCRAM credentials of the hub and the broker;
#   a directory formatted without them (no SASL marker) is deleted and formatted again
format_storage() {
  kafka_sasl_formatted "$data" && return 0
  if [[ -e $data/meta.properties ]]; then
    svc_log "$data was formatted without SASL/SCRAM credentials: deleting it and formatting again"
  fi
  rm -rf "$data"
  local cluster_id scram
  cluster_id=$(run_tool kafka.tools.StorageTool random-uuid)
  mapfile -t scram < <(kafka_scram_arguments "$hub_password" "$broker_password")
  svc_log "formatting $data (cluster id $cluster_id, SCRAM users $KAFKA_HUB_USER and" \
    "$KAFKA_BROKER_USER, anchor $KAFKA_SCRAM_ANCHOR_USER) ..."
  mkdir -p "$data"
  run_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$props" --standalone "${scram[@]}" \
    >"$logs/format.log" 2>&1 || { cat "$logs/format.log" >&2; svc_die "storage format failed"; }
  kafka_write_marker "$data" "$broker_password"
}

# unanchored_note -> prints what a data directory formatted before the SCRAM anchor risks
unanchored_note() {
  printf '%s' "$data was formatted without the SCRAM anchor user: a restart on it can lose every" \
    " SCRAM-SHA-512 login once a SCRAM user has been deleted (services/kafka/sasl.sh);" \
    " '$0 reset' deletes this development data and the next start formats it again"
}

# broker_ready -> 0 once the broker answers an Admin request (metadata + describeConfigs) from a
#   client logged in as the hub
broker_ready() {
  port_open "$port" || return 1
  run_tool kafka.admin.ConfigCommand --bootstrap-server "$bootstrap" --command-config "$admin_props" \
    --describe --entity-type brokers --entity-name 1 >/dev/null 2>&1
}

cmd_start() {
  mkdir -p "$dir" "$logs"
  if kafka_alive && port_open "$port"; then
    svc_log "already running (pid $(cat "$pidfile"), $bootstrap)"
    return 0
  fi
  kafka_alive && svc_die "pid $(cat "$pidfile") is alive but $bootstrap does not answer; run: $0 stop"
  rm -f "$pidfile"
  port_open "$port" && svc_die "port $port is taken by another process"
  port_open "$cport" && svc_die "controller port $cport is taken by another process"
  port_open "$tls_port" && svc_die "TLS port $tls_port is taken by another process"

  local t0=$SECONDS
  need_tools
  ensure_jars
  ensure_certificate
  choose_broker_password
  write_config
  format_storage
  kafka_scram_anchored "$data" || svc_log "WARNING: $(unanchored_note)"

  local log_off
  log_off=$(stat -c %s "$logs/server.log" 2>/dev/null || echo 0)
  svc_log "starting broker on $bootstrap (SASL_SSL 127.0.0.1:$tls_port, controller" \
    "127.0.0.1:$cport) ..."
  # setsid: the broker outlives this shell's process group (CI steps, Ctrl-C).
  setsid "$(java_bin)" "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$src/log4j2.xml" -Dkafka.logs.dir="$logs" \
    -cp "$lib/*" kafka.Kafka "$props" >"$logs/kafka.out" 2>&1 </dev/null &
  echo $! >"$pidfile"

  local deadline=$((SECONDS + ready_timeout))
  until broker_ready; do
    if ! svc_pid_alive "$pidfile"; then
      show_log_tail "$log_off"
      rm -f "$pidfile"
      svc_die "broker exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$log_off"
      stop_broker
      kafka_scram_anchored "$data" || svc_log "$(unanchored_note)"
      svc_die "broker not ready after ${ready_timeout}s (stopped it)"
    fi
    sleep 1
  done
  port_open "$tls_port" || { stop_broker; svc_die "TLS port $tls_port closed (stopped it)"; }
  svc_log "ready on $bootstrap and SASL_SSL 127.0.0.1:$tls_port (CA $tls/ca.pem; pid" \
    "$(cat "$pidfile"), $((SECONDS - t0))s; logs in $logs)"
}

cmd_stop() {
  if [[ -e $pidfile ]] && ! kafka_alive; then
    rm -f "$pidfile" # stale, or the PID now belongs to something else
  fi
  if kafka_alive; then
    svc_log "stopping (pid $(cat "$pidfile")) ..."
    stop_broker
  fi
  port_open "$port" && svc_die "port $port still answers: something else is running there"
  svc_log "stopped"
}

cmd_status() {
  if kafka_alive && port_open "$port"; then
    svc_log "running (pid $(cat "$pidfile"), $bootstrap)"
  elif kafka_alive; then
    svc_log "not ready (pid $(cat "$pidfile") alive, $bootstrap closed)"
    return 1
  else
    svc_log "not running"
    return 1
  fi
}

cmd_reset() {
  cmd_stop
  rm -rf "$data"
  svc_log "data deleted ($data)"
}

case ${1:-status} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
