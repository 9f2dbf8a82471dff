#!/usr/bin/env bash
# The pages' front-end packages, pinned in web/package.json and web/package-lock.json, installed
# from the npm registry with `npm ci`; the files the hub serves (uPlot's script, stylesheet and
# licence) are copied into hub/app/web/static/vendor/ (git-ignored, shipped in the wheel when it
# is built after this). axe-core stays in web/node_modules: only the browser tests use it.
# Idempotent: does nothing when the vendor folder matches the lock file already.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=hub/app/web/static/vendor
stamp=$vendor/.lock-sha256

if ! command -v npm >/dev/null 2>&1; then
  source scripts/services/lib.sh
  SVC_NAME=web-assets svc_apt_install npm
fi

want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" && -d web/node_modules/axe-core ]]; then
  exit 0
fi

npm ci --prefix web --no-audit --no-fund --loglevel=error
rm -rf "$vendor"
mkdir -p "$vendor"
cp web/node_modules/uplot/dist/uPlot.iife.min.js "$vendor/uPlot.iife.min.js"
cp web/node_modules/uplot/dist/uPlot.min.css "$vendor/uPlot.min.css"
cp web/node_modules/uplot/LICENSE "$vendor/uPlot.LICENSE.txt"
echo "$want" >"$stamp"
echo "web-assets: uPlot $(node -p 'require("./web/node_modules/uplot/package.json").version') in $vendor"
