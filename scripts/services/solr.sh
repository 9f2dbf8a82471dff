#!/usr/bin/env bash
# Apache Solr 9 with a core `ckan` (CKAN's own schema.xml), for CKAN and the integration tests.
#   scripts/services/solr.sh start    idempotent; waits until the core answers its ping
#   scripts/services/solr.sh stop     by PID
#   scripts/services/solr.sh status   exit 0 when running and healthy, 1 otherwise
#
# No Solr tarball or Docker here: Solr's jars come from the Maven registry
# (services/solr/pom.xml, via `mvn dependency:copy-dependencies`) and a small launcher
# (services/solr/src/KhoSolr.java) puts Solr's dispatch filter in an embedded Jetty, as Solr's
# web.xml does. CKAN's schema.xml is copied at start from the CKAN installed by ckan.sh
# ($KHO_SERVICES_DIR/ckan/venv), else from the CKAN release on PyPI (pip download, cached).
#
# CKAN setting: solr_url = http://127.0.0.1:$KHO_SVC_SOLR_PORT/solr/ckan
#
# Environment (all optional):
#   KHO_SVC_SOLR_PORT          port (18983, from lib.sh)
#   KHO_SVC_SOLR_HEAP          JVM max heap (512m)
#   KHO_SVC_SOLR_TIMEOUT       seconds to wait for a healthy core (120)
#   KHO_SVC_SOLR_LOG_LEVEL     root log level (INFO)
#   KHO_SVC_SOLR_CKAN_VERSION  CKAN release whose schema is used when no CKAN venv exists (2.12.0)
#   KHO_SVC_SOLR_SCHEMA        path of a schema.xml to use instead of CKAN's
#
# Files under $KHO_SERVICES_DIR/solr/: lib/ (jars), classes/, home/ (solr.xml, ckan/conf,
# ckan/data = the index), logs/solr.log, solr.pid, solr.port.
set -euo pipefail
SVC_NAME=solr
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

src="$KHO_ROOT/services/solr"
dir="$(svc_dir solr)"
port="$KHO_SVC_SOLR_PORT"
pidfile="$dir/solr.pid"
portfile="$dir/solr.port"
logdir="$dir/logs"
log="$logdir/solr.log"
home="$dir/home"
core="$home/ckan"
url="http://127.0.0.1:$port/solr/ckan"
heap="${KHO_SVC_SOLR_HEAP:-512m}"
timeout="${KHO_SVC_SOLR_TIMEOUT:-120}"
ckan_version="${KHO_SVC_SOLR_CKAN_VERSION:-2.12.0}"

healthy() { curl -fsS -o /dev/null --max-time 5 "$url/admin/ping" 2>/dev/null; }

# The log of the latest start: its errors first, then its last lines.
show_log() {
  [[ -f $log ]] || return 0
  local run
  run=$(awk '/^===== .* solr\.sh start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$log")
  if grep -qE ' ERROR |^Caused by|^Exception' <<<"$run"; then
    svc_log "errors in $log:"
    grep -E ' ERROR |^Caused by|^Exception' <<<"$run" | cut -c1-400 | tail -n 8 >&2
  fi
  svc_log "last lines of $log:"
  tail -n "${1:-30}" <<<"$run" >&2
}

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

need_tools() {
  local missing=()
  command -v java >/dev/null && command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  ((${#missing[@]} == 0)) || svc_apt_install "${missing[@]}"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= 11)) || svc_die "Solr 9 needs Java 11 or newer (found '${v:-?}')"
}

# Jars: fetched again only when services/solr/pom.xml changes.
fetch_jars() {
  local want have=""
  want=$(hash_of "$src/pom.xml")
  [[ -f $dir/lib/.stamp ]] && have=$(cat "$dir/lib/.stamp")
  [[ $want == "$have" ]] && return 0
  svc_log "fetching Solr jars with Maven (first time: ~70 MB) ..."
  mkdir -p "$dir/build" "$logdir"
  cp "$src/pom.xml" "$dir/build/pom.xml"
  rm -rf "$dir/lib.new"
  if ! mvn -B -q -f "$dir/build/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$dir/lib.new" >"$logdir/mvn.log" 2>&1; then
    tail -n 30 "$logdir/mvn.log" >&2
    svc_die "mvn could not fetch Solr's jars (full output: $logdir/mvn.log)"
  fi
  rm -rf "$dir/lib" "$dir/classes"
  mv "$dir/lib.new" "$dir/lib"
  printf '%s\n' "$want" >"$dir/lib/.stamp"
}

# The launcher: compiled again when its source or the jars change.
compile_launcher() {
  local want have=""
  want=$(hash_of "$src/src/KhoSolr.java" "$dir/lib/.stamp")
  [[ -f $dir/classes/.stamp ]] && have=$(cat "$dir/classes/.stamp")
  [[ $want == "$have" ]] && return 0
  svc_log "compiling the launcher"
  rm -rf "$dir/classes.new"
  mkdir -p "$dir/classes.new"
  javac -nowarn -encoding UTF-8 -cp "$dir/lib/*" -d "$dir/classes.new" "$src/src/KhoSolr.java" \
    || svc_die "javac failed on $src/src/KhoSolr.java"
  printf '%s\n' "$want" >"$dir/classes.new/.stamp"
  rm -rf "$dir/classes"
  mv "$dir/classes.new" "$dir/classes"
}

# Prints the path of CKAN's schema.xml: the installed CKAN's, else the release's from PyPI.
ckan_schema() {
  if [[ -n ${KHO_SVC_SOLR_SCHEMA:-} ]]; then
    [[ -f $KHO_SVC_SOLR_SCHEMA ]] || svc_die "KHO_SVC_SOLR_SCHEMA=$KHO_SVC_SOLR_SCHEMA: no such file"
    printf '%s' "$KHO_SVC_SOLR_SCHEMA"
    return
  fi
  local f
  for f in "$KHO_SERVICES_DIR"/ckan/venv/lib/python3*/site-packages/ckan/config/solr/schema.xml; do
    [[ -f $f ]] && { printf '%s' "$f"; return; }
  done
  local cached="$dir/ckan-schema/$ckan_version/schema.xml"
  if [[ ! -s $cached ]]; then
    svc_log "no CKAN venv yet: taking schema.xml from the ckan==$ckan_version release"
    local tmp
    tmp=$(mktemp -d)
    python3 -m pip download -q --no-deps --disable-pip-version-check -d "$tmp" "ckan==$ckan_version" >&2 \
      || svc_die "pip could not download ckan==$ckan_version"
    mkdir -p "$(dirname "$cached")"
    python3 - "$tmp" "$cached.new" <<'PY' || svc_die "no ckan/config/solr/schema.xml in the ckan download"
import pathlib, sys, tarfile, zipfile
src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
want = "ckan/config/solr/schema.xml"
for f in sorted(src.iterdir()):
    if f.name.endswith(".whl") or f.name.endswith(".zip"):
        with zipfile.ZipFile(f) as z:
            names = [n for n in z.namelist() if n == want or n.endswith("/" + want)]
            if names:
                dest.write_bytes(z.read(names[0])); sys.exit(0)
    elif ".tar" in f.name:
        with tarfile.open(f) as t:
            for m in t.getmembers():
                if m.isfile() and (m.name == want or m.name.endswith("/" + want)):
                    dest.write_bytes(t.extractfile(m).read()); sys.exit(0)
sys.exit(1)
PY
    rm -rf "$tmp"
    mv "$cached.new" "$cached"
  fi
  printf '%s' "$cached"
}

# put SRC DEST: copy when different (keeps mtimes of unchanged files)
put() { cmp -s "$1" "$2" 2>/dev/null || install -m 0644 "$1" "$2"; }

prepare_home() {
  local schema
  schema=$(ckan_schema)
  grep -q '<schema name="ckan-' "$schema" || svc_log "warning: $schema does not look like CKAN's schema"
  mkdir -p "$core/conf" "$core/data" "$logdir"
  put "$src/solr.xml" "$home/solr.xml"
  put "$src/conf/solrconfig.xml" "$core/conf/solrconfig.xml"
  put "$src/conf/protwords.txt" "$core/conf/protwords.txt"
  put "$src/conf/synonyms.txt" "$core/conf/synonyms.txt"
  put "$schema" "$core/conf/schema.xml"
  printf 'name=ckan\nconfig=solrconfig.xml\nschema=schema.xml\ndataDir=data\n' >"$core/core.properties.new"
  if cmp -s "$core/core.properties.new" "$core/core.properties"; then
    rm -f "$core/core.properties.new"
  else
    mv "$core/core.properties.new" "$core/core.properties"
  fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  if svc_pid_alive "$pidfile"; then
    local running_port
    running_port=$(cat "$portfile" 2>/dev/null || true)
    [[ -z $running_port || $running_port == "$port" ]] \
      || svc_die "already running on port $running_port (pid $(cat "$pidfile")), not $port: stop it first"
    # Running (or still starting): done once the core answers.
    if svc_wait_http "$url/admin/ping" "$timeout"; then
      svc_log "already running (pid $(cat "$pidfile")), $url"
      return 0
    fi
    show_log
    svc_die "pid $(cat "$pidfile") is alive but $url/admin/ping does not answer; try: $0 stop"
  fi
  rm -f "$pidfile" "$portfile"
  port_taken && svc_die "port $port is already in use by a process not started from $dir (set KHO_SVC_SOLR_PORT?)"

  local t0=$SECONDS
  need_tools
  fetch_jars
  compile_launcher
  prepare_home

  mkdir -p "$logdir"
  if [[ -f $log ]] && (($(stat -c %s "$log") > 20 * 1024 * 1024)); then mv -f "$log" "$log.1"; fi
  printf '\n===== %s solr.sh start (port %s) =====\n' "$(date -u +%FT%TZ)" "$port" >>"$log"

  local -a jvm=(
    "-Xms64m" "-Xmx$heap" "-Xss256k"
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Duser.timezone=UTC
    "-Dlog4j2.configurationFile=$src/log4j2.xml"
    "-Dkho.solr.log.level=${KHO_SVC_SOLR_LOG_LEVEL:-INFO}"
    "-Dsolr.solr.home=$home" "-Dsolr.log.dir=$logdir" "-Dsolr.install.dir=$dir"
    "-Dkho.solr.host=127.0.0.1" "-Dkho.solr.port=$port"
    -cp "$dir/classes:$dir/lib/*" KhoSolr
  )
  # setsid: Solr outlives this shell and its process group. The inner shell writes its own PID,
  # then becomes java (exec), so the PID file names the JVM whether or not setsid forked.
  (
    cd "$dir"
    exec 9>&- # the start/stop lock stays with this script
    exec nohup setsid bash -c 'echo $$ >"$0"; exec java "$@"' "$pidfile" "${jvm[@]}" \
      >>"$log" 2>&1 </dev/null
  ) &

  printf '%s\n' "$port" >"$portfile"
  local deadline=$((SECONDS + timeout))
  until [[ -s $pidfile ]]; do
    ((SECONDS < deadline)) || svc_die "Solr process did not start"
    sleep 0.1
  done
  local pid
  pid=$(cat "$pidfile")
  until healthy; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      show_log
      svc_die "Solr exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      show_log
      svc_stop_pid "$pidfile" 15
      svc_die "Solr did not answer $url/admin/ping within ${timeout}s"
    fi
    sleep 0.5
  done
  svc_log "running (pid $pid) in $((SECONDS - t0))s: $url"
}

stop() {
  if svc_pid_alive "$pidfile"; then
    local pid
    pid=$(cat "$pidfile")
    svc_stop_pid "$pidfile" 30
    rm -f "$portfile"
    svc_log "stopped (pid $pid)"
  else
    rm -f "$pidfile" "$portfile"
    svc_log "not running"
  fi
}

status() {
  if svc_pid_alive "$pidfile" && healthy; then
    echo "solr: running (pid $(cat "$pidfile")) $url"
    return 0
  fi
  if svc_pid_alive "$pidfile"; then
    echo "solr: pid $(cat "$pidfile") alive but $url/admin/ping does not answer"
  else
    echo "solr: not running"
  fi
  return 1
}

# One start or stop at a time for this services folder.
lock() {
  exec 9>"$dir/.lock"
  command -v flock >/dev/null && flock -w "$((timeout + 60))" 9 || true
}

case ${1:-status} in
  start) lock; start ;;
  stop) lock; stop ;;
  status) status ;;
  restart) lock; stop; start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
