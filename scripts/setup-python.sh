#!/usr/bin/env bash
# Creates the venvs with Scouter's own Python client (scouter-ml) for the interop tests. Idempotent.
#   test/interop/.venv       scouter-ml 0.12.0: the v0.13.0 release. 0.13.0 was never published on PyPI; the 0.12.0
#                            wheel is v0.13.0 under the wrong version number (docs/compatibility.md gives the evidence).
#   test/interop/.venv-0.25  scouter-ml 0.25.0: the newest release (tag v0.25.0), the "latest" protocol.
# Usage: scripts/setup-python.sh [v0.13|latest|all] (default all).
# SCOUTER_ML_VERSION / SCOUTER_ML_LATEST_VERSION override the pins (e.g. to try another release by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: install Python >= 3.10 with venv" >&2; exit 1; }

installed() {
  "$1/bin/python" -c "import scouter, importlib.metadata as m; print(m.version('scouter-ml'))" 2>/dev/null
}

make_venv() {
  local venv="$1" version="$2"
  if [ -x "$venv/bin/python" ] && [ "$(installed "$venv")" = "$version" ]; then
    echo "scouter-ml $version already installed in $venv"
    return 0
  fi
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "scouter-ml==$version"
  echo "scouter-ml $(installed "$venv") installed in $venv"
}

case "$which" in
  v0.13) make_venv test/interop/.venv "${SCOUTER_ML_VERSION:-0.12.0}" ;;
  latest) make_venv test/interop/.venv-0.25 "${SCOUTER_ML_LATEST_VERSION:-0.25.0}" ;;
  all)
    make_venv test/interop/.venv "${SCOUTER_ML_VERSION:-0.12.0}"
    make_venv test/interop/.venv-0.25 "${SCOUTER_ML_LATEST_VERSION:-0.25.0}"
    ;;
  *) echo "usage: $0 [v0.13|latest|all]" >&2; exit 2 ;;
esac
