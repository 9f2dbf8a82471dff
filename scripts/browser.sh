#!/usr/bin/env bash
# Headless Chromium from Debian's packages for the browser tests (tests/browser) and
# `make screenshots`: installed when missing (Playwright's own browser download is not used).
# Idempotent; prints the browser's path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services/lib.sh
SVC_NAME=browser
if ! command -v chromium >/dev/null 2>&1; then
  svc_apt_install chromium fonts-noto-core
fi
command -v chromium
