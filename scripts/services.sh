#!/usr/bin/env bash
# Start, stop or show the real services that the integration tests use.
#   scripts/services.sh start [name...]   idempotent; waits until each is healthy
#   scripts/services.sh stop  [name...]   stops by PID, in reverse order
#   scripts/services.sh status
# Names: postgres redis mariadb mosquitto kafka solr ckan keycloak (default: all, in that order).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
all=(postgres redis mariadb mosquitto kafka solr ckan keycloak)
action=${1:-status}
shift || true
names=("$@")
((${#names[@]})) || names=("${all[@]}")

case $action in
  start)
    for n in "${names[@]}"; do bash "$here/services/$n.sh" start; done ;;
  stop)
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do bash "$here/services/${names[i]}.sh" stop || true; done ;;
  status)
    rc=0
    for n in "${names[@]}"; do bash "$here/services/$n.sh" status || rc=1; done
    exit $rc ;;
  *) echo "usage: $0 start|stop|status [${all[*]}]" >&2; exit 2 ;;
esac
