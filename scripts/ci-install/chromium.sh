#!/usr/bin/env bash
# Headless Chromium from Debian's packages for the dashboard's browser tests (test/dashboard), driven by
# playwright-core through its executablePath: no browser download.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version || true
  exit 0
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core
/usr/bin/chromium --version
