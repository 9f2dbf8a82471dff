#!/usr/bin/env bash
# Caddy and Prometheus's promtool from Debian's packages, unpacked (not installed, so that no
# service starts) into .services/tools/, for tests/unit/test_deploy_configs.py, which checks
# services/caddy/Caddyfile and services/prometheus/prometheus.yml with them. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tools=$repo/.services/tools
[[ -x $tools/caddy && -x $tools/promtool ]] && exit 0
work=$(mktemp -d "${TMPDIR:-/tmp}/kho-deploy-tools.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cd "$work"
if ! apt-get download caddy prometheus >/dev/null 2>&1; then
  apt-get update -qq
  apt-get download caddy prometheus >/dev/null 2>&1
fi
for deb in ./*.deb; do dpkg -x "$deb" root; done
mkdir -p "$tools"
cp root/usr/bin/caddy root/usr/bin/promtool "$tools/"
echo "deploy-tools: $("$tools/caddy" version | cut -d' ' -f1), promtool $("$tools/promtool" --version 2>&1 | head -n 1 | cut -d' ' -f3) in $tools"
